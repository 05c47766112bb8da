import { type DiagnosisFailure, diagnosisFailure } from './diagnosis-failure.js';
import { LIMITS, safe, truncate } from './text.js';
import type { Block, SlackMessage } from './types.js';

/** A table of figures as the findings message shows it (a probe's table fits). */
export interface TableView {
  title: string;
  columns: string[];
  rows: string[][];
}

/** One runbook step as the findings message shows it (a diagnosis report's step fits). */
export interface StepView {
  title: string;
  ok: boolean;
  error?: string;
  durationMs: number;
  result?: { figures: Array<{ label: string; value: string }>; tables: TableView[]; notes: string[] };
}

/** What the findings message reads of a diagnosis report; declared here so builders import no domain folder. */
export interface FindingsView {
  runbookTitle: string;
  target: string;
  steps: StepView[];
  findings: Array<{ severity: 'critical' | 'warning' | 'info'; title: string; detail?: string }>;
  advice: string[];
}

const SEVERITY_ICON = {
  critical: ':red_circle:',
  warning: ':large_orange_circle:',
  info: ':large_blue_circle:',
} as const;

/** Renders a table as monospaced text; cells are escaped, the whole is cut to Slack's section limit. */
export function renderTable(table: TableView, maxRows = 10): string {
  const rows = [table.columns, ...table.rows.slice(0, maxRows)];
  const widths = table.columns.map((_, c) => Math.min(60, Math.max(...rows.map((r) => (r[c] ?? '').length))));
  const line = (r: string[]) =>
    r
      .map((cell, c) => truncate(cell, 60).padEnd(widths[c] ?? 0))
      .join('  ')
      .trimEnd();
  const body = rows.map(line).join('\n');
  return `*${safe(table.title, 200)}*\n\`\`\`${truncate(safe(body, LIMITS.sectionText - 300), LIMITS.sectionText - 300)}\`\`\``;
}

function stepBlocks(step: StepView): Block[] {
  if (!step.ok || !step.result) {
    return [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `:x: *${safe(step.title, 200)}* failed: ${safe(step.error ?? 'unknown error', 1000)}`,
        },
      },
    ];
  }
  const blocks: Block[] = [];
  const figures = step.result.figures.slice(0, LIMITS.fields).map((f) => ({
    type: 'mrkdwn' as const,
    text: truncate(`*${safe(f.label, 100)}*\n${safe(f.value, 500)}`, LIMITS.field),
  }));
  blocks.push({
    type: 'section',
    text: { type: 'mrkdwn', text: `*${safe(step.title, 200)}* _(${step.durationMs} ms)_` },
    ...(figures.length ? { fields: figures } : {}),
  });
  for (const table of step.result.tables)
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: renderTable(table) } });
  if (step.result.notes.length) {
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: truncate(safe(step.result.notes.join(' · ')), LIMITS.sectionText) }],
    });
  }
  return blocks;
}

/**
 * The message of a diagnosis whose every step failed: headlined as a failure naming the target and why (timed out,
 * unreachable), with each step's error below — never the green "no threshold crossed" of a clean run.
 */
function failedDiagnosisMessage(report: FindingsView, failure: DiagnosisFailure): SlackMessage {
  const headline = `Could not diagnose ${report.target}: ${failure.reason}`;
  const shown = failure.errors.slice(0, 3).map((e) => `• ${safe(e, 600)}`);
  if (failure.errors.length > shown.length) shown.push(`• …and ${failure.errors.length - shown.length} more`);
  const head: Block[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(headline, LIMITS.plainText) } },
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: truncate(
          `:x: *Every step of ${safe(report.runbookTitle, 200)} failed* (${report.steps.length} of ${report.steps.length}); nothing was examined, so no finding means nothing here.\n${shown.join('\n')}`,
          LIMITS.sectionText,
        ),
      },
    },
    { type: 'divider' },
  ];
  const body = report.steps.flatMap(stepBlocks).slice(0, LIMITS.blocks - head.length);
  const text = `${headline} (${report.runbookTitle}: ${failure.errors[0] ?? 'every step failed'})`;
  return { text: safe(text, LIMITS.sectionText), blocks: [...head, ...body] };
}

/** The diagnosis message: findings first (what matters), then each step's figures, then durable-fix advice. */
export function findingsMessage(report: FindingsView): SlackMessage {
  const failure = diagnosisFailure(report);
  if (failure) return failedDiagnosisMessage(report, failure);
  const head: Block[] = [
    {
      type: 'header',
      text: {
        type: 'plain_text',
        text: truncate(`Diagnosis: ${report.runbookTitle} on ${report.target}`, LIMITS.plainText),
      },
    },
  ];
  const rank = { critical: 0, warning: 1, info: 2 } as const;
  // Most severe first; the sort is stable so the runbook's order holds within a severity.
  const findings = [...report.findings].sort((a, b) => rank[a.severity] - rank[b.severity]);
  const findingLines = findings.length
    ? findings.map(
        (f) =>
          `${SEVERITY_ICON[f.severity]} *${f.severity}* ${safe(f.title, 600)}${f.detail ? `\n    ${safe(f.detail, 600)}` : ''}`,
      )
    : [':white_check_mark: No threshold crossed.'];
  head.push({
    type: 'section',
    text: { type: 'mrkdwn', text: truncate(`*Findings*\n${findingLines.join('\n')}`, LIMITS.sectionText) },
  });
  head.push({ type: 'divider' });
  const body = report.steps.flatMap(stepBlocks);
  const tail: Block[] = report.advice.length
    ? [
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: truncate(
              `*Durable fixes*\n${report.advice.map((a) => `• ${safe(a, 500)}`).join('\n')}`,
              LIMITS.sectionText,
            ),
          },
        },
      ]
    : [];
  const room = LIMITS.blocks - head.length - tail.length;
  const blocks = [...head, ...body.slice(0, room), ...tail];
  const summary = findings.map((f) => `${f.severity}: ${f.title}`).join('; ') || 'no threshold crossed';
  return { text: safe(`Diagnosis ${report.runbookTitle} on ${report.target}: ${summary}`, LIMITS.sectionText), blocks };
}

/** Posted instead of findings when a diagnosis job names a runbook or target the bot does not know (any more). */
export function cannotDiagnoseMessage(reason: string): SlackMessage {
  const text = safe(`Cannot diagnose: ${reason}`, 300);
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}
