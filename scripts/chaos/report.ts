import type { Observation } from './measure.js';

/** One line of the result table: a figure, its target, and whether the target is met (undefined: no target). */
export interface Row {
  figure: string;
  value: string;
  target: string;
  met?: boolean;
}

/** What the run measured besides the final observation. */
export interface RunFacts {
  postedChanges: number;
  sentByAlertmanager: number;
  /** Seconds from the end of the Slack outage until Slack first matched the state, if it did. */
  convergedAfterS: number | undefined;
  convergeTargetS: number;
  convergeWaitedS: number;
  approvalsWanted: number;
  clicked: number;
}

const frac = (a: number, b: number) => `${a}/${b}`;

/** The rows of the table, each figure beside its target. */
export function rows(o: Observation, f: RunFacts): Row[] {
  const dupPosts =
    o.duplicatePosts.alertChanges + o.duplicatePosts.findings + o.duplicatePosts.proposals + o.duplicatePosts.results;
  return [
    { figure: 'alert state changes posted to Alertmanager', value: String(f.postedChanges), target: '' },
    // Alertmanager's part, not the bot's: shown so a shortfall below is not blamed on the wrong side.
    {
      figure: 'state changes sent by Alertmanager to the bot',
      value: frac(f.sentByAlertmanager, f.postedChanges),
      target: '',
    },
    {
      figure: 'state changes received (recorded in state Redis)',
      value: frac(o.recordedChanges, o.expectedChanges),
      target: 'all',
      met: o.recordedChanges === o.expectedChanges,
    },
    {
      figure: 'state changes reflected in Slack (thread message)',
      value: frac(o.reflectedChanges, o.expectedChanges),
      target: 'all',
      met: o.reflectedChanges === o.expectedChanges,
    },
    {
      figure: 'incident cards showing the current state',
      value: frac(o.cardsCurrent, o.cardsExpected),
      target: 'all',
      met: o.cardsCurrent === o.cardsExpected,
    },
    {
      figure: 'duplicate incidents (one target, >1 incident)',
      value: String(o.duplicateIncidents),
      target: '0',
      met: o.duplicateIncidents === 0,
    },
    { figure: 'duplicate root cards', value: String(o.duplicateRoots), target: '0', met: o.duplicateRoots === 0 },
    {
      figure: 'duplicate thread posts',
      value: `${dupPosts} (alert ${o.duplicatePosts.alertChanges}, findings ${o.duplicatePosts.findings}, proposal ${o.duplicatePosts.proposals}, result ${o.duplicatePosts.results})`,
      target: '0',
      met: dupPosts === 0,
    },
    {
      figure: 'duplicate proposals (same incident+action+params pending twice)',
      value: String(o.duplicateProposals),
      target: '0',
      met: o.duplicateProposals === 0,
    },
    {
      figure: 'approvals recorded (clicked)',
      value: `${o.approvalsRecorded} (${f.clicked} clicked)`,
      target: String(f.approvalsWanted),
      met: o.approvalsRecorded === f.approvalsWanted,
    },
    {
      figure: 'fixes executed (outcome recorded and posted)',
      value: `${o.fixesExecuted}${
        Object.keys(o.outcomes).length
          ? ` (${Object.entries(o.outcomes)
              .map(([k, v]) => `${k} ${v}`)
              .join(', ')})`
          : ''
      }`,
      target: '',
    },
    { figure: 'fixes interrupted and reported', value: String(o.fixesInterrupted), target: '' },
    {
      figure: 'fixes lost (approved, neither done nor reported)',
      value: String(o.fixesLost),
      target: '0',
      met: o.fixesLost === 0,
    },
    {
      figure: 'time for Slack to converge after recovery',
      value:
        f.convergedAfterS === undefined ? `not converged (waited ${f.convergeWaitedS} s)` : `${f.convergedAfterS} s`,
      target: `≤ ${f.convergeTargetS} s`,
      met: f.convergedAfterS !== undefined && f.convergedAfterS <= f.convergeTargetS,
    },
  ];
}

/** The table as plain text, one row per figure: figure, value, target, ok / MISSED. */
export function renderTable(list: Row[]): string {
  const w0 = Math.max(...list.map((r) => r.figure.length), 'figure'.length);
  const w1 = Math.max(...list.map((r) => r.value.length), 'value'.length);
  const w2 = Math.max(...list.map((r) => r.target.length), 'target'.length);
  const line = (a: string, b: string, c: string, d: string) =>
    `| ${a.padEnd(w0)} | ${b.padEnd(w1)} | ${c.padEnd(w2)} | ${d.padEnd(6)} |`;
  const sep = `|${'-'.repeat(w0 + 2)}|${'-'.repeat(w1 + 2)}|${'-'.repeat(w2 + 2)}|--------|`;
  return [
    line('figure', 'value', 'target', 'result'),
    sep,
    ...list.map((r) => line(r.figure, r.value, r.target, r.met === undefined ? '' : r.met ? 'ok' : 'MISSED')),
  ].join('\n');
}
