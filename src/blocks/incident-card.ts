import { utc } from '../kernel/time.js';
import { declareChannelBlocks } from './declare-channel.js';
import { type CardRunbooks, cardControls } from './incident-controls.js';
import { LIMITS, safe, truncate } from './text.js';
import type { Block, SlackMessage } from './types.js';

/** What the card reads of an incident (the stored incident fits); declared here so builders import no domain folder. */
export interface CardIncident {
  id: string;
  title: string;
  status: 'open' | 'resolved';
  severity: string;
  target: string;
  targetHint: string;
  commander: string;
  createdAt: string;
  resolvedAt: string;
  /** The incident's own channel, once declared (linked from the card). */
  incidentChannel?: string;
}

/** What the card and the alert messages read of one alert's state (the stored alert state fits). */
export interface CardAlert {
  alertname: string;
  status: 'firing' | 'resolved';
  summary: string;
  description: string;
  labels: Record<string, string>;
  generatorURL: string;
  runbookUrl: string;
  /** Times it fired again after resolving (flapping); absent or 0 for an alert that fired once. */
  refires?: number;
}

const STATUS_ICON = { open: ':rotating_light:', resolved: ':white_check_mark:' } as const;

function duration(fromIso: string, toIso: string): string {
  const ms = Math.max(0, Date.parse(toIso) - Date.parse(fromIso));
  const m = Math.floor(ms / 60_000);
  return m >= 60 ? `${Math.floor(m / 60)}h ${m % 60}m` : `${m}m`;
}

/** What the card is rendered with besides the incident and its alerts; all of it read from state by the caller. */
export interface CardOptions {
  openProposals?: number;
  /** Proposals withdrawn when the incident resolved. */
  withdrawnProposals?: number;
  now: string;
  /** The runbook select and "Run runbook" button (shown for an open incident with a target). */
  runbooks?: CardRunbooks | undefined;
}

/**
 * The thread's root message: one live card per incident, updated in place, with its controls (incident-controls).
 * Alert text is untrusted and escaped. `now` is passed in so the builder stays pure.
 */
export function incidentCard(incident: CardIncident, alerts: readonly CardAlert[], opts: CardOptions): SlackMessage {
  const firing = alerts.filter((a) => a.status === 'firing');
  const resolved = alerts.filter((a) => a.status === 'resolved');
  const target = incident.target
    ? `\`${safe(incident.target, 200)}\``
    : !incident.targetHint
      ? 'none (opened by hand)'
      : `:warning: no known target for ${safe(incident.targetHint || 'this alert', 200)} — add it to CONFIG_FILE targets to get diagnostics`;
  const end = incident.status === 'resolved' && incident.resolvedAt ? incident.resolvedAt : opts.now;
  const refires = alerts.reduce((n, a) => n + (a.refires ?? 0), 0);
  const flapping = refires ? `\n:repeat: flapping: fired again ${refires} time${refires === 1 ? '' : 's'}` : '';
  const blocks: Block[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: truncate(`${incident.id} ${incident.title}`, LIMITS.plainText), emoji: false },
    },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Status*\n${STATUS_ICON[incident.status]} ${incident.status}` },
        { type: 'mrkdwn', text: `*Severity*\n${incident.severity}` },
        { type: 'mrkdwn', text: `*Target*\n${target}` },
        { type: 'mrkdwn', text: `*Commander*\n${incident.commander ? `<@${incident.commander}>` : 'unassigned'}` },
        { type: 'mrkdwn', text: `*Alerts*\n${firing.length} firing, ${resolved.length} resolved${flapping}` },
        {
          type: 'mrkdwn',
          text: `*Duration*\n${duration(incident.createdAt, end)}${incident.status === 'resolved' ? ' (closed)' : ''}`,
        },
      ],
    },
  ];
  const lines = alerts.slice(0, 10).map((a) => {
    const icon = a.status === 'firing' ? ':red_circle:' : ':large_green_circle:';
    const summary = a.summary ? ` — ${a.summary}` : '';
    return `${icon} ${a.alertname} ${a.labels.instance ?? ''}${summary}`;
  });
  if (alerts.length > 10) lines.push(`… and ${alerts.length - 10} more`);
  if (lines.length) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: safe(lines.join('\n')) } });
  const ctx = [`Opened ${utc(incident.createdAt)}`];
  if (incident.resolvedAt) ctx.push(`resolved ${utc(incident.resolvedAt)}`);
  if (incident.incidentChannel) ctx.push(`channel <#${incident.incidentChannel}>`);
  // A resolved incident has nothing awaiting approval: its pending proposals were withdrawn when it resolved.
  if (opts.openProposals && incident.status === 'open') ctx.push(`${opts.openProposals} proposal(s) awaiting approval`);
  if (opts.withdrawnProposals) ctx.push(`${opts.withdrawnProposals} proposal(s) withdrawn`);
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: ctx.join(' · ') }] });
  blocks.push(...cardControls(incident, opts.runbooks));
  blocks.push(...declareChannelBlocks(incident));
  return {
    // The fallback text is mrkdwn too and drives notifications: escape it like the blocks.
    text: safe(`${incident.id} [${incident.status}] ${incident.title}`, LIMITS.sectionText),
    blocks,
  };
}

/** URLs longer than this are left out rather than cut (a cut `<url|label>` would swallow the rest of the text). */
const MAX_URL = 1000;

/**
 * A mrkdwn link to an alert's URL, or '' for anything that is not a plain http(s) URL. `&` is escaped as Slack asks
 * (`&amp;`), and `<>|` are dropped: they would end the link early and let the rest pose as a label.
 */
function linkTo(url: string, label: string): string {
  if (!/^https?:\/\//i.test(url) || url.length > MAX_URL) return '';
  return `<${url.replace(/[<>|\s]/g, '').replace(/&/g, '&amp;')}|${label}>`;
}

/**
 * A short thread message for one alert changing state. A firing alert that has fired before (`refires` > 0: this
 * message is for a re-fire) says "Fired again (flapping)".
 */
export function alertEventMessage(alert: CardAlert): SlackMessage {
  const word = alert.status === 'resolved' ? 'Resolved' : alert.refires ? 'Fired again (flapping)' : 'Firing';
  const verb = `${alert.status === 'firing' ? ':red_circle:' : ':large_green_circle:'} ${word}`;
  const parts = [
    `${verb}: *${safe(alert.alertname, 200)}* on ${safe(alert.labels.instance ?? 'unknown instance', 200)}`,
  ];
  if (alert.summary) parts.push(safe(alert.summary, 500));
  if (alert.description) parts.push(`>${safe(alert.description, 1500).replace(/\n/g, '\n>')}`);
  const links = [linkTo(alert.generatorURL, 'source'), linkTo(alert.runbookUrl, 'runbook')].filter(Boolean);
  if (links.length) parts.push(links.join(' · '));
  return {
    text: safe(`${word}: ${alert.alertname}`, 300),
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: truncate(parts.join('\n'), LIMITS.sectionText) } }],
  };
}

/**
 * One thread message for the alert changes of a notification beyond those posted one by one (a group of thousands
 * must not become thousands of messages), and for the alerts Alertmanager left out (`truncatedAlerts`).
 */
export function alertChangesSummaryMessage(o: { firing: number; resolved: number; truncated: number }): SlackMessage {
  const n = (x: number) => x.toLocaleString('en-US');
  const lines: string[] = [];
  const more = o.firing + o.resolved;
  if (more > 0) {
    lines.push(
      `… and ${n(more)} more alert change${more === 1 ? '' : 's'} in this notification (${n(o.firing)} firing, ${n(o.resolved)} resolved): the card counts them all and \`/incident timeline\` lists each.`,
    );
  }
  if (o.truncated > 0) {
    lines.push(
      `:warning: Alertmanager left ${n(o.truncated)} more alert${o.truncated === 1 ? '' : 's'} of this group out of the notification (\`webhook_configs.max_alerts\`); they are not counted here.`,
    );
  }
  const text = lines.join('\n');
  return { text: truncate(text, 300), blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}
