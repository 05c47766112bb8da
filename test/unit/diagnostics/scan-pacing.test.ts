import { describe, expect, it } from 'vitest';
import {
  foreignCpu,
  type LoadCounters,
  type LoadSample,
  levelFor,
  loadSample,
  PACING_LIMIT_DEFAULTS,
  PacingController,
  paceOf,
  parseLoadCounters,
} from '../../../src/diagnostics/scan-pacing.js';

/** An excerpt of a real `INFO stats cpu clients commandstats` reply of redis 7.0.15 (CRLF line ends). */
const INFO = [
  '# Clients',
  'connected_clients:12',
  'blocked_clients:1',
  '# Stats',
  'total_connections_received:40',
  'total_commands_processed:120000',
  'instantaneous_ops_per_sec:41234',
  '# CPU',
  'used_cpu_sys:10.500000',
  'used_cpu_user:20.250000',
  'used_cpu_sys_main_thread:10.000000',
  'used_cpu_user_main_thread:20.000000',
  '# Commandstats',
  'cmdstat_get:calls=100000,usec=50000,usec_per_call=0.50,rejected_calls=0,failed_calls=0',
  'cmdstat_type:calls=9000,usec=9000,usec_per_call=1.00,rejected_calls=0,failed_calls=0',
  'cmdstat_memory|usage:calls=9000,usec=13500,usec_per_call=1.50,rejected_calls=0,failed_calls=0',
  'cmdstat_info:calls=10,usec=500,usec_per_call=50.00,rejected_calls=0,failed_calls=0',
  '',
].join('\r\n');

const limits = PACING_LIMIT_DEFAULTS;

function sample(over: Partial<LoadSample> = {}): LoadSample {
  return {
    windowMs: 250,
    foreignOpsPerSec: 0,
    foreignCommandCpu: 0,
    ownCommandCpu: 0,
    mainThreadCpu: 0.1,
    blockedClients: 0,
    instantaneousOps: 0,
    ...over,
  };
}

const counters = (over: Partial<LoadCounters> = {}): LoadCounters => ({
  totalCommands: 0,
  instantaneousOps: 0,
  cpuSeconds: 0,
  blockedClients: 0,
  commands: new Map(),
  ...over,
});

describe('parseLoadCounters', () => {
  it('reads commands, main-thread CPU, blocked clients and commandstats from one INFO reply', () => {
    const c = parseLoadCounters(INFO);
    expect(c.totalCommands).toBe(120_000);
    expect(c.instantaneousOps).toBe(41_234);
    expect(c.cpuSeconds).toBeCloseTo(30, 6);
    expect(c.blockedClients).toBe(1);
    expect(c.commands.get('memory|usage')).toEqual({ calls: 9000, usec: 13_500 });
    expect(c.commands.get('get')).toEqual({ calls: 100_000, usec: 50_000 });
  });

  it('falls back to the process CPU times where the server does not split out the main thread', () => {
    const c = parseLoadCounters('used_cpu_sys:1.5\r\nused_cpu_user:2.5\r\n');
    expect(c.cpuSeconds).toBeCloseTo(4, 6);
    expect(c.totalCommands).toBe(0);
    expect(parseLoadCounters('total_commands_processed:5\r\n').cpuSeconds).toBeUndefined();
  });
});

describe('loadSample', () => {
  it("takes the scan's own commands out of the node's count and its own command time out of commandstats", () => {
    const a = counters({
      totalCommands: 1000,
      cpuSeconds: 10,
      commands: new Map([
        ['get', { calls: 500, usec: 250 }],
        ['type', { calls: 100, usec: 100 }],
      ]),
    });
    const b = counters({
      totalCommands: 1000 + 2500 + 401,
      cpuSeconds: 10.125,
      blockedClients: 3,
      commands: new Map([
        ['get', { calls: 3000, usec: 1500 }], // others: 2,500 GETs, 1,250 µs
        ['type', { calls: 600, usec: 600 }], // 500 TYPE: 400 ours, 100 someone else's
      ]),
    });
    const s = loadSample(a, b, 500, { commands: 401, calls: new Map([['type', 400]]) });
    expect(s.foreignOpsPerSec).toBe(5000);
    // 1,250 µs of GET + 100 µs of the other client's TYPE, in 0.5 s.
    expect(s.foreignCommandCpu).toBeCloseTo(0.0027, 6);
    expect(s.ownCommandCpu).toBeCloseTo(0.0008, 6);
    expect(s.mainThreadCpu).toBeCloseTo(0.25, 6);
    expect(s.blockedClients).toBe(3);
  });

  it('never reports negative load (a counter reset between readings)', () => {
    const s = loadSample(counters({ totalCommands: 900 }), counters({ totalCommands: 10 }), 250, {
      commands: 5,
      calls: new Map(),
    });
    expect(s.foreignOpsPerSec).toBe(0);
  });
});

describe('paceOf', () => {
  it('writes 96 keys with 2 in flight at full pace, 4 when gentle, nothing when paused; SCAN always rides', () => {
    // Full: a SCAN of as many keys as fill both writes, so one is ready while the other is answered.
    expect(paceOf('full', limits)).toEqual({
      level: 'full',
      burstSize: 96,
      inFlight: 2,
      gapMs: 0,
      scanCount: 192,
      scanRides: true,
    });
    expect(paceOf('moderate', limits)).toMatchObject({ burstSize: 16, inFlight: 1, gapMs: 0, scanCount: 16 });
    expect(paceOf('gentle', limits)).toEqual({
      level: 'gentle',
      burstSize: 4,
      inFlight: 1,
      gapMs: 0,
      scanCount: 4,
      scanRides: true,
    });
    expect(paceOf('backoff', limits)).toMatchObject({ burstSize: 2, inFlight: 1, gapMs: 2, scanCount: 2 });
    expect(paceOf('paused', limits)).toMatchObject({ burstSize: 0, inFlight: 0 });
  });

  it("scales the slower paces by the work's gentle burst (7 OBJECT FREQ a write for the hot-keys scan)", () => {
    const hot = { ...limits, gentleBurst: 7, maxBurst: 192 };
    expect(paceOf('full', hot)).toMatchObject({ burstSize: 192, scanCount: 384 });
    expect(paceOf('moderate', hot).burstSize).toBe(28);
    expect(paceOf('gentle', hot)).toMatchObject({ burstSize: 7, scanCount: 7 });
    expect(paceOf('backoff', hot).burstSize).toBe(3);
  });

  it('never writes more than the caller allows', () => {
    expect(paceOf('full', { maxBurst: 3, maxInFlight: 1 })).toMatchObject({ burstSize: 3, inFlight: 1 });
    expect(paceOf('moderate', { maxBurst: 3, maxInFlight: 1 }).burstSize).toBe(3);
    expect(paceOf('gentle', { maxBurst: 1, maxInFlight: 1 }).burstSize).toBe(1);
  });
});

describe('levelFor', () => {
  it('maps other clients’ commands per second to full, moderate and gentle', () => {
    expect(levelFor(sample({ foreignOpsPerSec: 20 }), limits).level).toBe('full');
    expect(levelFor(sample({ foreignOpsPerSec: 100 }), limits).level).toBe('moderate');
    expect(levelFor(sample({ foreignOpsPerSec: 999 }), limits).level).toBe('moderate');
    expect(levelFor(sample({ foreignOpsPerSec: 1000 }), limits)).toEqual({
      level: 'gentle',
      reason: '1000 ops/s from other clients',
    });
  });

  it('backs off or pauses when other clients keep the main thread busy, whatever their command count', () => {
    expect(levelFor(sample({ foreignOpsPerSec: 50, foreignCommandCpu: 0.75 }), limits).level).toBe('backoff');
    const saturated = levelFor(sample({ foreignOpsPerSec: 90_000, mainThreadCpu: 0.97, ownCommandCpu: 0.02 }), limits);
    expect(saturated).toEqual({ level: 'paused', reason: 'main thread 95% busy with other clients' });
  });

  it("does not count the scan's own command time as other clients' load", () => {
    // An idle node that the scan alone keeps 80% busy, 65 points of it in the scan's own commands.
    const s = sample({ foreignOpsPerSec: 0, mainThreadCpu: 0.8, ownCommandCpu: 0.65 });
    expect(foreignCpu(s)).toBeCloseTo(0.15, 6);
    expect(levelFor(s, limits).level).toBe('full');
  });
});

describe('PacingController', () => {
  it('starts gentle, and the first reading may jump straight to the pace it calls for', () => {
    const c = new PacingController(limits);
    expect(c.pace.level).toBe('gentle');
    expect(c.next(sample())).toMatchObject({ pace: { level: 'full' }, change: 'faster' });
  });

  it('slows down at once and speeds up one level per reading', () => {
    const c = new PacingController(limits);
    c.next(sample());
    expect(c.next(sample({ foreignOpsPerSec: 50_000, mainThreadCpu: 0.95 })).pace.level).toBe('paused');
    const levels = [1, 2, 3, 4, 5].map(() => c.next(sample()).pace.level);
    expect(levels).toEqual(['backoff', 'gentle', 'moderate', 'full', 'full']);
  });

  it('pauses after a failed or timed-out reading and resumes step by step', () => {
    const c = new PacingController(limits);
    c.next(sample());
    expect(c.next(undefined)).toEqual({
      pace: paceOf('paused', limits),
      change: 'slower',
      reason: 'load reading failed or timed out',
    });
    expect(c.next(sample()).pace.level).toBe('backoff');
  });

  it('holds its pace instead of speeding up while more clients are blocked than at the start', () => {
    const c = new PacingController(limits);
    c.next(sample({ foreignOpsPerSec: 5000, blockedClients: 2 }));
    const held = c.next(sample({ blockedClients: 7 }));
    expect(held.pace.level).toBe('gentle');
    expect(held.change).toBe('same');
    expect(held.reason).toMatch(/7 blocked clients \(2 at the start\)/);
    expect(c.next(sample({ blockedClients: 2 })).pace.level).toBe('moderate');
    // Blocked clients never stop it from slowing down.
    expect(c.next(sample({ foreignOpsPerSec: 5000, blockedClients: 9 })).pace.level).toBe('gentle');
  });
});
