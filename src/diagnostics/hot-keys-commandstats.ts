import { setTimeout as sleep } from 'node:timers/promises';
import { parseInfo } from '../kernel/info.js';
import type { ProbeContext, ProbeResult } from './probe.js';

const round1 = (n: number) => Math.round(n * 10) / 10;

function commandStats(text: string): Map<string, { calls: number; usec: number }> {
  const out = new Map<string, { calls: number; usec: number }>();
  for (const [field, value] of Object.entries(parseInfo(text))) {
    if (!field.startsWith('cmdstat_')) continue;
    const m = /calls=(\d+),usec=(\d+)/.exec(value);
    if (m) out.set(field.slice('cmdstat_'.length), { calls: Number(m[1]), usec: Number(m[2]) });
  }
  return out;
}

/** Hottest commands from two `INFO commandstats` readings `maxSeconds` apart (cumulative ones if nothing ran). */
export async function sampleCommandStats(
  ctx: ProbeContext,
  p: { top: number; maxSeconds: number },
  why: string,
): Promise<ProbeResult> {
  const before = commandStats(await ctx.client.info('commandstats'));
  const waitMs = Math.min(p.maxSeconds * 1000, Math.max(0, ctx.timeoutMs - 2000));
  await sleep(waitMs, undefined, ctx.signal ? { signal: ctx.signal } : {}).catch(() => undefined);
  const after = commandStats(await ctx.client.info('commandstats'));
  let rows = [...after.entries()].map(([cmd, a]) => {
    const b = before.get(cmd) ?? { calls: 0, usec: 0 };
    return { cmd, calls: a.calls - b.calls, usec: a.usec - b.usec };
  });
  // The probe's own INFO calls are not the workload.
  rows = rows.map((r) => (r.cmd === 'info' ? { ...r, calls: r.calls - 1 } : r)).filter((r) => r.calls > 0);
  let window = `the last ${round1(waitMs / 1000)} s`;
  if (!rows.length) {
    rows = [...after.entries()].map(([cmd, a]) => ({ cmd, calls: a.calls, usec: a.usec }));
    window = 'since the last restart or CONFIG RESETSTAT';
  }
  rows.sort((a, b) => b.calls - a.calls);
  const total = rows.reduce((s, r) => s + r.calls, 0);
  const shown = rows.slice(0, p.top);
  const first = shown[0];
  const metrics: ProbeResult['metrics'] = { 'hot_keys.sampled': total };
  if (first) {
    metrics['hot_keys.top_command'] = first.cmd.toUpperCase();
    metrics['hot_keys.top_command_calls'] = first.calls;
    metrics['hot_keys.top_command_share_pct'] = total ? round1((first.calls / total) * 100) : 0;
  }
  return {
    metrics,
    figures: [
      {
        label: 'hottest command',
        value: first ? `${first.cmd.toUpperCase()} (${metrics['hot_keys.top_command_share_pct']}% of calls)` : 'none',
      },
      { label: 'window', value: window },
    ],
    tables: shown.length
      ? [
          {
            title: `Hottest commands (INFO commandstats, ${window})`,
            columns: ['command', 'calls', 'share', 'usec/call'],
            rows: shown.map((r) => [
              r.cmd.toUpperCase(),
              String(r.calls),
              `${total ? round1((r.calls / total) * 100) : 0}%`,
              r.calls ? (r.usec / r.calls).toFixed(2) : '0',
            ]),
          },
        ]
      : [],
    notes: [`No key names: ${why}. Command counts only say which kind of traffic dominates.`],
  };
}
