import { describe, expect, it } from 'vitest';
import {
  configEpoch,
  describeDisagreement,
  fieldsOf,
  formerPrimary,
  knownReplicas,
  looksDown,
  masterAgreement,
  type SentinelView,
} from '../../../src/diagnostics/sentinel-view.js';

function view(address: string, masterAddr: string | undefined, over: Partial<SentinelView> = {}): SentinelView {
  return {
    address,
    reachable: true,
    ...(masterAddr ? { masterAddr } : {}),
    replicas: [],
    sentinels: [],
    commandErrors: [],
    ...over,
  };
}

// The old primary as redis 7.0 Sentinel lists it after +switch-master, before it restarts.
const OLD_PRIMARY = fieldsOf([
  'name',
  '127.0.0.1:17001',
  'ip',
  '127.0.0.1',
  'port',
  '17001',
  'flags',
  's_down,slave,disconnected',
  'master-link-status',
  'err',
  'master-host',
  '?',
  'master-port',
  '0',
]);
const HEALTHY = fieldsOf([
  'name',
  '127.0.0.1:17003',
  'ip',
  '127.0.0.1',
  'port',
  '17003',
  'flags',
  'slave',
  'master-link-status',
  'ok',
  'master-host',
  '127.0.0.1',
  'master-port',
  '17002',
]);

describe('sentinel views', () => {
  it('reads flat field arrays', () => {
    expect(fieldsOf(['flags', 'master', 'quorum', 2])).toEqual({ flags: 'master', quorum: '2' });
    expect(fieldsOf(null)).toEqual({});
  });

  it('agrees on the address most sentinels name and lists who says what', () => {
    const views = [
      view('s1:26379', 'a:6379'),
      view('s2:26379', 'b:6379'),
      view('s3:26379', 'a:6379'),
      view('s4:26379', undefined),
    ];
    const agreement = masterAgreement(views);
    expect(agreement.agreed).toBe('a:6379');
    expect(agreement.distinct).toBe(2);
    expect(describeDisagreement(agreement)).toBe('a:6379 (by s1:26379, s3:26379); b:6379 (by s2:26379)');
    expect(masterAgreement([view('s1:26379', undefined)]).agreed).toBeUndefined();
  });

  it('finds the former primary only after a failover (config epoch > 0)', () => {
    const before = [
      view('s1:26379', '127.0.0.1:17002', { master: { 'config-epoch': '0' }, replicas: [OLD_PRIMARY, HEALTHY] }),
    ];
    expect(formerPrimary(before, '127.0.0.1:17002')).toBeUndefined();
    const after = [
      view('s1:26379', '127.0.0.1:17002', { master: { 'config-epoch': '1' }, replicas: [HEALTHY, OLD_PRIMARY] }),
    ];
    expect(configEpoch(after)).toBe(1);
    expect(formerPrimary(after, '127.0.0.1:17002')).toBe('127.0.0.1:17001');
    expect(looksDown(OLD_PRIMARY)).toBe(true);
    expect(looksDown(HEALTHY)).toBe(false);
  });

  it('merges replicas of the sentinels that name the agreed primary, once per address', () => {
    const views = [
      view('s1:26379', 'a:1', { replicas: [HEALTHY] }),
      view('s2:26379', 'a:1', { replicas: [HEALTHY, OLD_PRIMARY] }),
      view('s3:26379', 'b:1', { replicas: [fieldsOf(['ip', '10.0.0.9', 'port', '6379'])] }),
    ];
    expect(knownReplicas(views, 'a:1').map((r) => r.name)).toEqual(['127.0.0.1:17003', '127.0.0.1:17001']);
  });
});
