/**
 * What a chaos run does and when, as data: the alerts (who fires, who resolves, at which offset from the start of
 * the drive) and the fault schedule. Deterministic (seeded), so two runs inject the same thing.
 */

/** Four alerts per target: two for the high-memory runbook (a second group joining an incident whose diagnosis
 * already proposed fixes), one connections, one missing-backup. */
export const ALERTNAMES = [
  'RedisOutOfConfiguredMaxmemory',
  'RedisHighMemory',
  'RedisTooManyConnections',
  'RedisMissingBackup',
] as const;

export interface ChaosSettings {
  quick: boolean;
  targets: number;
  /** Incident channels; targets are spread over them round-robin (Slack paces posts per channel). */
  channels: number;
  fireWindowMs: number;
  resolveFromMs: number;
  resolveToMs: number;
  /** Share of alerts resolved (some targets fully, so their incident resolves). */
  resolveShare: number;
  outageAtMs: number;
  outageMs: number;
  killFirstAtMs: number;
  killEveryMs: number;
  killUntilMs: number;
  redisRestartAtMs: number;
  redisDownMs: number;
  approvals: number;
  /** Windows (offsets) in which approvers click; none during the Slack outage, when no click could reach the bot. */
  approveWindows: Array<[number, number]>;
  /** Offset after which nothing more is injected; the convergence wait starts here. */
  driveEndMs: number;
  /** Upper bound of the convergence wait after the drive. */
  convergeWaitMs: number;
  /** Target: Slack converged within this long after the outage ended. */
  convergeTargetMs: number;
}

/** The full run (about three minutes of drive and wait) or `CHAOS_QUICK=1` (about a minute). */
export function chaosSettings(quick: boolean): ChaosSettings {
  if (quick) {
    return {
      quick,
      targets: 10,
      channels: 2,
      fireWindowMs: 20_000,
      resolveFromMs: 20_000,
      resolveToMs: 32_000,
      resolveShare: 0.3,
      outageAtMs: 10_000,
      outageMs: 15_000,
      killFirstAtMs: 8_000,
      killEveryMs: 20_000,
      killUntilMs: 40_000,
      redisRestartAtMs: 35_000,
      redisDownMs: 2_000,
      approvals: 5,
      approveWindows: [
        [5_000, 9_000],
        [27_000, 45_000],
      ],
      driveEndMs: 45_000,
      convergeWaitMs: 45_000,
      convergeTargetMs: 120_000,
    };
  }
  return {
    quick,
    targets: 50,
    channels: 10,
    fireWindowMs: 75_000,
    resolveFromMs: 60_000,
    resolveToMs: 95_000,
    resolveShare: 0.3,
    outageAtMs: 30_000,
    outageMs: 60_000,
    killFirstAtMs: 10_000,
    killEveryMs: 20_000,
    killUntilMs: 130_000,
    redisRestartAtMs: 100_000,
    redisDownMs: 5_000,
    approvals: 20,
    approveWindows: [
      [15_000, 29_000],
      [92_000, 135_000],
    ],
    driveEndMs: 135_000,
    convergeWaitMs: 120_000,
    convergeTargetMs: 120_000,
  };
}

export interface PlannedAlert {
  target: number;
  alertname: (typeof ALERTNAMES)[number];
  instance: string;
  fireAtMs: number;
  resolveAtMs?: number;
}

export const targetName = (t: number) => `chaos-${String(t).padStart(2, '0')}`;
export const instanceOf = (t: number) => `${targetName(t)}:6379`;
export const channelOf = (t: number, channels: number) => `C0CHAOS${String(t % channels).padStart(2, '0')}`;

/** mulberry32: a tiny seeded PRNG, enough to spread alerts reproducibly. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The alerts: every target gets the four alertnames. Even targets get all four in one instant (several groups for
 * one Redis arriving together must still open one incident); odd targets get them spread over the fire window.
 * Every tenth target (index 3, 13, …) has all its alerts resolved later, so its incident resolves; other
 * resolutions are picked at random up to `resolveShare`. A resolution comes at least 10 s after its target's last
 * firing.
 */
export function planAlerts(s: ChaosSettings, seed = 9): PlannedAlert[] {
  const rand = prng(seed);
  const alerts: PlannedAlert[] = [];
  for (let t = 0; t < s.targets; t++) {
    const together = rand() * (s.fireWindowMs - 1_000);
    for (const alertname of ALERTNAMES) {
      const fireAtMs = Math.round(t % 2 === 0 ? together : rand() * s.fireWindowMs);
      alerts.push({ target: t, alertname, instance: instanceOf(t), fireAtMs });
    }
  }
  // A resolution waits until every alert of its target has fired: resolving all known alerts of a target before
  // its last group arrives would rightly close the incident and open a second one, which is not a duplicate.
  const lastFire = (t: number) => Math.max(...alerts.filter((a) => a.target === t).map((a) => a.fireAtMs));
  const resolveAt = (a: PlannedAlert) => {
    const from = Math.max(s.resolveFromMs, lastFire(a.target) + 10_000);
    return Math.round(from + rand() * Math.max(0, s.resolveToMs - from));
  };
  const wanted = Math.round(alerts.length * s.resolveShare);
  for (const a of alerts) if (a.target % 10 === 3) a.resolveAtMs = resolveAt(a);
  const others = alerts.filter((a) => a.resolveAtMs === undefined);
  let have = alerts.length - others.length;
  while (have < wanted && others.length > 0) {
    const [a] = others.splice(Math.floor(rand() * others.length), 1);
    if (!a) break;
    // Never all four of a target by chance: fully resolved incidents are the every-tenth ones only.
    const resolvedOfTarget = alerts.filter((x) => x.target === a.target && x.resolveAtMs !== undefined).length;
    if (resolvedOfTarget >= ALERTNAMES.length - 1) continue;
    a.resolveAtMs = resolveAt(a);
    have++;
  }
  return alerts;
}

/** The offsets at which a worker is SIGKILLed (alternating between the two). */
export function killTimes(s: ChaosSettings): number[] {
  const times: number[] = [];
  for (let at = s.killFirstAtMs; at <= s.killUntilMs; at += s.killEveryMs) times.push(at);
  return times;
}
