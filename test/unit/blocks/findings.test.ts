import { describe, expect, it } from 'vitest';
import { cannotDiagnoseMessage, findingsMessage, renderTable } from '../../../src/blocks/findings.js';
import type { DiagnosisReport, StepOutcome } from '../../../src/diagnostics/diagnosis.js';
import { allTexts, couldPing, expectWithinSlackLimits } from './slack-limits.js';

function step(over: Partial<StepOutcome> = {}): StepOutcome {
  return {
    probe: 'memory',
    title: 'Memory',
    ok: true,
    durationMs: 12,
    result: {
      metrics: { 'memory.used_pct': 92.9 },
      figures: [
        { label: 'Used', value: '929.0 MiB of 1000.0 MiB' },
        { label: 'Policy', value: 'noeviction' },
      ],
      tables: [],
      notes: [],
    },
    ...over,
  };
}

function report(over: Partial<DiagnosisReport> = {}): DiagnosisReport {
  return {
    runbook: 'high-memory',
    runbookTitle: 'High memory',
    target: 'cache-1',
    steps: [step()],
    findings: [],
    advice: [],
    metrics: {},
    ...over,
  };
}

describe('findingsMessage', () => {
  it('puts findings first, most severe first, keeping runbook order within a severity', () => {
    const msg = findingsMessage(
      report({
        findings: [
          { id: 'a', severity: 'info', title: 'info one' },
          { id: 'b', severity: 'warning', title: 'warning one' },
          { id: 'c', severity: 'critical', title: 'critical one', detail: 'writes fail' },
          { id: 'd', severity: 'warning', title: 'warning two' },
        ],
      }),
    );
    expect(msg.blocks[0]).toMatchObject({ type: 'header', text: { text: 'Diagnosis: High memory on cache-1' } });
    const findings = allTexts(msg)[2] ?? '';
    const order = ['critical one', 'writes fail', 'warning one', 'warning two', 'info one'].map((t) =>
      findings.indexOf(t),
    );
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((x, y) => x - y)).toEqual(order);
    expect(msg.text).toBe(
      'Diagnosis High memory on cache-1: critical: critical one; warning: warning one; warning: warning two; info: info one',
    );
  });

  it('says when no threshold was crossed', () => {
    const msg = findingsMessage(report());
    expect(allTexts(msg).join('\n')).toContain('No threshold crossed');
    expect(msg.text).toContain('no threshold crossed');
  });

  it('headlines a diagnosis whose every step failed as a failure, naming the target and why, never as green', () => {
    const hung = 'cache-1: primary is unreachable: timed out, no reply from 10.0.0.5:6379 within 5000 ms';
    const msg = findingsMessage(
      report({
        steps: [
          step({ ok: false, error: hung }),
          step({ probe: 'largest-keys', title: 'Largest keys', ok: false, error: hung }),
        ],
        advice: ['Add memory'],
      }),
    );
    expect(msg.blocks[0]).toMatchObject({ type: 'header', text: { text: 'Could not diagnose cache-1: timed out' } });
    expect(msg.text).toBe(`Could not diagnose cache-1: timed out (High memory: ${hung})`);
    const texts = allTexts(msg);
    expect(texts.join('\n')).not.toMatch(/No threshold crossed|white_check_mark/i);
    expect(texts[2]).toContain('*Every step of High memory failed* (2 of 2)');
    // The same error once in the summary, and each step's failure below it.
    expect(texts[2]?.split(hung)).toHaveLength(2);
    expect(texts).toContain(`:x: *Largest keys* failed: ${hung}`);
    expectWithinSlackLimits(msg);
  });

  it('says "unreachable" when no step could connect, and keeps the green line for a run with one step that ran', () => {
    const refused = 'cache-1: primary is unreachable: connect ECONNREFUSED 10.0.0.5:6379';
    const down = findingsMessage(report({ steps: [step({ ok: false, error: refused })] }));
    expect(down.text).toMatch(/^Could not diagnose cache-1: unreachable/);
    const partial = findingsMessage(report({ steps: [step(), step({ ok: false, error: refused })] }));
    expect(partial.text).toBe('Diagnosis High memory on cache-1: no threshold crossed');
  });

  it('shows each step with its figures and duration, a failed step with its error, then advice last', () => {
    const msg = findingsMessage(
      report({
        steps: [
          step(),
          step({ probe: 'largest-keys', title: 'Largest keys', ok: false, error: 'timed out after 120 s' }),
        ],
        advice: ['Add memory', 'Give cache keys a TTL'],
      }),
    );
    const texts = allTexts(msg);
    expect(texts).toContain('*Memory* _(12 ms)_');
    expect(texts).toContain('*Used*\n929.0 MiB of 1000.0 MiB');
    expect(texts).toContain(':x: *Largest keys* failed: timed out after 120 s');
    expect(msg.blocks.at(-1)).toEqual({
      type: 'section',
      text: { type: 'mrkdwn', text: '*Durable fixes*\n• Add memory\n• Give cache keys a TTL' },
    });
  });

  it('never exceeds 50 blocks and keeps the findings and the advice', () => {
    const steps = Array.from({ length: 80 }, (_, i) =>
      step({
        title: `Step ${i}`,
        result: {
          metrics: {},
          figures: [{ label: 'x', value: 'y' }],
          tables: [{ title: 't', columns: ['a'], rows: [['1']] }],
          notes: ['partial'],
        },
      }),
    );
    const msg = findingsMessage(
      report({ steps, findings: [{ id: 'x', severity: 'warning', title: 'kept' }], advice: ['advice kept'] }),
    );
    expect(msg.blocks).toHaveLength(50);
    expect(allTexts(msg)[2]).toContain('kept');
    expect(allTexts(msg).at(-1)).toContain('advice kept');
  });

  it('stays within Slack limits with huge untrusted text everywhere', () => {
    const huge = '<!channel>&'.repeat(2_000);
    const msg = findingsMessage(
      report({
        runbookTitle: huge,
        target: huge,
        findings: Array.from({ length: 30 }, (_, i) => ({
          id: `f${i}`,
          severity: 'critical' as const,
          title: huge,
          detail: huge,
        })),
        steps: [
          step({
            title: huge,
            result: {
              metrics: {},
              figures: Array.from({ length: 30 }, () => ({ label: huge, value: huge })),
              tables: [{ title: huge, columns: [huge, huge], rows: Array.from({ length: 50 }, () => [huge, huge]) }],
              notes: [huge, huge],
            },
          }),
          step({ ok: false, error: huge, title: huge }),
        ],
        advice: Array.from({ length: 30 }, () => huge),
      }),
    );
    expectWithinSlackLimits(msg);
    expect(msg.text.length).toBeLessThanOrEqual(3000);
    for (const text of allTexts(msg).slice(1)) {
      // Skip the plain_text header; everything else is mrkdwn.
      if (text.startsWith('Diagnosis: ')) continue;
      expect(couldPing(text), text.slice(0, 80)).toBe(false);
    }
    expect(couldPing(msg.text)).toBe(false);
  });

  it('does not let a key name found on the target ping through the notification text', () => {
    const msg = findingsMessage(
      report({ findings: [{ id: 'big-key', severity: 'warning', title: 'Biggest key <!here> holds 1 GB' }] }),
    );
    expect(msg.text).toContain('&lt;!here&gt;');
    expect(couldPing(msg.text)).toBe(false);
  });
});

describe('renderTable', () => {
  const table = {
    title: 'Top keys',
    columns: ['key', 'size'],
    rows: [
      ['session:abc', '1.5 MiB'],
      ['a<b', '2 KB'],
    ],
  };

  it('renders aligned monospaced rows with escaped cells', () => {
    expect(renderTable(table)).toBe('*Top keys*\n```key          size\nsession:abc  1.5 MiB\na&lt;b          2 KB```');
  });

  it('shows at most maxRows rows', () => {
    const rows = Array.from({ length: 30 }, (_, i) => [`k${i}`, `${i}`]);
    const text = renderTable({ ...table, rows }, 5);
    expect(text.split('\n')).toHaveLength(1 + 1 + 5);
    expect(text).toContain('k4');
    expect(text).not.toContain('k5');
  });
});

describe('cannotDiagnoseMessage', () => {
  it('says why the diagnosis did not run, in the blocks and the notification text', () => {
    const msg = cannotDiagnoseMessage('no runbook high-memory');
    expect(msg.text).toBe('Cannot diagnose: no runbook high-memory');
    expect(allTexts(msg)).toEqual([msg.text, msg.text]);
  });

  it('escapes the names it repeats', () => {
    const msg = cannotDiagnoseMessage('no target <!channel>');
    for (const t of allTexts(msg)) expect(couldPing(t)).toBe(false);
    expectWithinSlackLimits(msg);
  });
});
