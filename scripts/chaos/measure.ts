import type { Redis } from 'ioredis';
import type { StandInMessage } from '../../src/devtools/slack-stand-in.js';
import type { AlertState, Incident } from '../../src/incidents/incident.js';
import type { IncidentStore } from '../../src/incidents/incident-store.js';
import type { Timeline } from '../../src/incidents/timeline.js';
import type { Proposal } from '../../src/remediation/proposal.js';
import type { ProposalStore } from '../../src/remediation/proposal-store.js';
import { matchRunbook } from '../../src/runbooks/match-runbook.js';
import type { Runbook } from '../../src/runbooks/runbook-schema.js';
import { type PlannedAlert, targetName } from './plan.js';
import {
  cardState,
  diagnosisHeader,
  isAlertChangeMessage,
  messageText,
  shownProposalId,
  slackThreads,
  type ThreadView,
} from './slack-view.js';

/** What the harness has done so far: the alert changes posted to Alertmanager and the proposals it clicked. */
export interface Inputs {
  alerts: readonly PlannedAlert[];
  /** `alertname|instance|status` posted to Alertmanager so far. */
  posted: ReadonlySet<string>;
  /** Proposal ids the approver clicked Approve on. */
  clicked: ReadonlySet<string>;
  approver: string;
}

/** The figures of one look at the state Redis and at Slack. */
export interface Observation {
  expectedChanges: number;
  recordedChanges: number;
  reflectedChanges: number;
  cardsExpected: number;
  cardsCurrent: number;
  incidents: number;
  duplicateIncidents: number;
  duplicateRoots: number;
  duplicatePosts: { alertChanges: number; findings: number; proposals: number; results: number };
  duplicateProposals: number;
  approvalsRecorded: number;
  fixesExecuted: number;
  fixesInterrupted: number;
  fixesLost: number;
  /** Outcomes by proposal status, e.g. `executed: 12, skipped: 3`. */
  outcomes: Record<string, number>;
  /** What is missing, by kind (`state`, `slack`, `card`, `fix`), one line each. */
  missing: Record<'state' | 'slack' | 'card' | 'fix', string[]>;
}

export interface StateReaders {
  redis: Redis;
  store: IncidentStore;
  timeline: Timeline;
  proposals: ProposalStore;
  runbooks: readonly Runbook[];
  prefix: string;
}

interface IncidentView {
  incident: Incident;
  alerts: AlertState[];
  fired: Set<string>;
  proposals: Proposal[];
}

const key = (alertname: string, instance: string) => `${alertname}|${instance}`;
const FINAL = /^(executed|failed|skipped)$/;
const INTERRUPTED = /interrupt/i;

/** Every incident the bot ever opened (ids are INC-1…INC-seq), with alert states, fired events and proposals. */
async function readIncidents(r: StateReaders): Promise<IncidentView[]> {
  const seq = Number((await r.redis.get(`${r.prefix}:incident:seq`)) ?? 0);
  const ids = Array.from({ length: seq }, (_, i) => `INC-${i + 1}`);
  const views = await Promise.all(
    ids.map(async (id): Promise<IncidentView | undefined> => {
      const incident = await r.store.get(id);
      if (!incident) return undefined;
      const [alerts, events, proposals] = await Promise.all([
        r.store.listAlerts(id),
        r.timeline.read(id),
        r.proposals.listForIncident(id),
      ]);
      const fired = new Set<string>();
      for (const e of events) {
        const labels = (e.data.labels ?? {}) as Record<string, string>;
        if (e.type === 'alert.fired') fired.add(key(labels.alertname ?? '', labels.instance ?? ''));
      }
      return { incident, alerts, fired, proposals };
    }),
  );
  return views.filter((v): v is IncidentView => v !== undefined);
}

/** Proposals for the same incident, action and params created while an earlier one was still pending. */
function countDuplicateProposals(proposals: Proposal[]): number {
  const groups = new Map<string, Proposal[]>();
  for (const p of proposals) {
    const k = `${p.incidentId}|${p.action}|${p.params}`;
    groups.set(k, [...(groups.get(k) ?? []), p]);
  }
  let dup = 0;
  for (const list of groups.values()) {
    list.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    list.forEach((p, i) => {
      const stillPending = list
        .slice(0, i)
        .some(
          (q) => (q.decidedAt === '' && q.status === 'pending') || (q.decidedAt !== '' && q.decidedAt > p.createdAt),
        );
      if (stillPending) dup++;
    });
  }
  return dup;
}

const excess = (counts: Map<string, number>, allowed: (k: string) => number) =>
  [...counts].reduce((n, [k, c]) => n + Math.max(0, c - allowed(k)), 0);

function tally(into: Map<string, number>, k: string): void {
  into.set(k, (into.get(k) ?? 0) + 1);
}

/**
 * One observation: the bot's state (read through its own stores) against what was posted to Alertmanager and
 * clicked, and Slack (the stand-in's messages) against both. Duplicate posts are counted conservatively: a
 * findings message counts as doubled only beyond one per alert of that runbook that fired.
 */
export async function observe(r: StateReaders, slack: StandInMessage[], inputs: Inputs): Promise<Observation> {
  const views = await readIncidents(r);
  const threads = slackThreads(slack);
  const missing: Observation['missing'] = { state: [], slack: [], card: [], fix: [] };
  const byTarget = new Map<string, IncidentView[]>();
  for (const v of views) byTarget.set(v.incident.target, [...(byTarget.get(v.incident.target) ?? []), v]);
  const threadsOf = (ids: Set<string>) => threads.filter((t) => t.incidentId && ids.has(t.incidentId));

  let expectedChanges = 0;
  let recordedChanges = 0;
  let reflectedChanges = 0;
  let cardsExpected = 0;
  let cardsCurrent = 0;
  const dupAlert = new Map<string, number>();
  const dupFindings = new Map<string, number>();
  const findingsAllowed = new Map<string, number>();
  const targets = [...new Set(inputs.alerts.map((a) => a.target))];
  for (const t of targets) {
    const name = targetName(t);
    const mine = (byTarget.get(name) ?? []).sort(
      (a, b) => Number(a.incident.id.slice(4)) - Number(b.incident.id.slice(4)),
    );
    const ts = threadsOf(new Set(mine.map((v) => v.incident.id)));
    const replies = ts.flatMap((x) => x.replies);
    let firing = 0;
    let resolved = 0;
    for (const a of inputs.alerts.filter((x) => x.target === t)) {
      const k = key(a.alertname, a.instance);
      const states = mine.flatMap((v) =>
        v.alerts.filter((s) => key(s.labels.alertname ?? '', s.labels.instance ?? '') === k),
      );
      for (const status of ['firing', 'resolved'] as const) {
        if (!inputs.posted.has(`${k}|${status}`)) continue;
        expectedChanges++;
        const recorded =
          status === 'firing'
            ? mine.some((v) => v.fired.has(k)) || states.some((s) => s.status === 'firing')
            : states.some((s) => s.status === 'resolved');
        if (recorded) recordedChanges++;
        else missing.state.push(`${status} ${k}`);
        const verb = status === 'firing' ? 'Firing' : 'Resolved';
        const shown = replies.filter((m) => isAlertChangeMessage(m, verb, a.alertname)).length;
        if (shown > 0) reflectedChanges++;
        else missing.slack.push(`${verb} ${k}`);
        dupAlert.set(`${name}|${verb}|${a.alertname}`, shown);
      }
      if (!inputs.posted.has(`${k}|firing`)) continue;
      if (inputs.posted.has(`${k}|resolved`)) resolved++;
      else firing++;
      // One findings message is allowed per alert of the runbook that fired (each may start its own diagnosis).
      const rb = matchRunbook(r.runbooks, { alertname: a.alertname, instance: a.instance });
      if (rb) tally(findingsAllowed, `${name}|${rb.title}`);
    }
    if (firing + resolved > 0) {
      cardsExpected++;
      const primary = mine[0];
      const root = primary ? cardOf(ts, primary.incident) : undefined;
      const shown = root ? cardState(root) : {};
      const want = { status: firing === 0 ? 'resolved' : 'open', alerts: `${firing} firing, ${resolved} resolved` };
      if (shown.status === want.status && shown.alerts === want.alerts) cardsCurrent++;
      else {
        missing.card.push(
          `${name} shows ${shown.status ?? '?'} / ${shown.alerts ?? '?'}, want ${want.status} / ${want.alerts}`,
        );
      }
    }
    for (const m of replies) {
      const header = diagnosisHeader(m);
      if (header) tally(dupFindings, `${name}|${header.replace(/ on \S+$/, '')}`);
    }
  }

  const proposalsAll = views.flatMap((v) => v.proposals);
  const byId = new Map(proposalsAll.map((p) => [p.id, p]));
  const proposalPosts = new Map<string, number>();
  const resultPosts = new Map<string, number>();
  for (const t of threads) {
    for (const m of t.replies) {
      const id = shownProposalId(m);
      if (id) tally(proposalPosts, id);
      else {
        const result = /^(.+ on \S+): (executed|failed|skipped|interrupted)/.exec(m.text);
        if (result) tally(resultPosts, `${t.incidentId}|${result[1]}`);
      }
    }
  }
  const approved = [...inputs.clicked].map((id) => byId.get(id)).filter((p): p is Proposal => p !== undefined);
  const recorded = approved.filter((p) => p.decidedBy === inputs.approver && p.status !== 'pending');
  const outcomes: Record<string, number> = {};
  let fixesExecuted = 0;
  let fixesInterrupted = 0;
  for (const p of recorded) {
    outcomes[p.status] = (outcomes[p.status] ?? 0) + 1;
    const interrupted = INTERRUPTED.test(`${p.status} ${p.result}`);
    const reported =
      (resultPosts.get(`${p.incidentId}|${p.title} on ${p.target}`) ?? 0) > 0 ||
      slack.some((m) => shownProposalId(m) === p.id && /executed|failed|not run|interrupted/.test(messageText(m)));
    if (interrupted && reported) fixesInterrupted++;
    else if (FINAL.test(p.status) && reported) fixesExecuted++;
    else missing.fix.push(`${p.id} (${p.action} on ${p.target}) is ${p.status}, reported: ${reported}`);
  }
  const resultsAllowed = (k: string) =>
    recorded.filter((p) => `${p.incidentId}|${p.title} on ${p.target}` === k).length;

  const duplicateRoots = excess(
    threads.reduce(
      (m, t) => (t.incidentId ? m.set(t.incidentId, (m.get(t.incidentId) ?? 0) + 1) : m),
      new Map<string, number>(),
    ),
    () => 1,
  );
  return {
    expectedChanges,
    recordedChanges,
    reflectedChanges,
    cardsExpected,
    cardsCurrent,
    incidents: views.length,
    duplicateIncidents: [...byTarget.values()].reduce((n, list) => n + Math.max(0, list.length - 1), 0),
    duplicateRoots,
    duplicatePosts: {
      alertChanges: excess(dupAlert, () => 1),
      findings: excess(dupFindings, (k) => findingsAllowed.get(k) ?? 0),
      proposals: excess(proposalPosts, () => 1),
      results: excess(resultPosts, resultsAllowed),
    },
    duplicateProposals: countDuplicateProposals(proposalsAll),
    approvalsRecorded: recorded.length,
    fixesExecuted,
    fixesInterrupted,
    fixesLost: recorded.length - fixesExecuted - fixesInterrupted,
    outcomes,
    missing,
  };
}

/** The root card Slack shows for an incident: the one at its recorded thread ts, else the first root naming it. */
function cardOf(threads: ThreadView[], incident: Incident): StandInMessage | undefined {
  const mine = threads.filter((t) => t.incidentId === incident.id);
  return (mine.find((t) => t.root.ts === incident.threadTs) ?? mine[0])?.root;
}

/** Whether Slack shows everything the state holds: every change, every card, every approved fix's outcome. */
export function converged(o: Observation): boolean {
  return (
    o.recordedChanges === o.expectedChanges &&
    o.reflectedChanges === o.expectedChanges &&
    o.cardsCurrent === o.cardsExpected &&
    o.fixesLost === 0
  );
}
