import { describe, expect, it } from 'vitest';
import { parseReplicationInfo } from '../../../src/diagnostics/replication-info.js';

// Captured from redis 7.0.15: a primary during a replica's full sync, a replica whose AUTH to the primary fails,
// and a replica promoted by a Sentinel failover.
const PRIMARY = [
  '# Replication',
  'role:master',
  'connected_slaves:2',
  'slave0:ip=127.0.0.1,port=17002,state=wait_bgsave,offset=0,lag=0',
  'slave1:ip=::1,port=17003,state=online,offset=1207,lag=1',
  'master_failover_state:no-failover',
  'master_replid:9e056af1781ce70e9fe660c9c82cecc8a9c3b912',
  'master_replid2:0000000000000000000000000000000000000000',
  'master_repl_offset:1410',
  'second_repl_offset:-1',
  '',
].join('\r\n');

const REPLICA_DOWN = [
  '# Replication',
  'role:slave',
  'master_host:127.0.0.1',
  'master_port:17001',
  'master_link_status:down',
  'master_last_io_seconds_ago:-1',
  'master_sync_in_progress:0',
  'slave_read_repl_offset:1207',
  'slave_repl_offset:1207',
  'master_link_down_since_seconds:6',
  'connected_slaves:0',
  'master_repl_offset:1207',
  'second_repl_offset:-1',
  '',
].join('\r\n');

const PROMOTED = [
  '# Replication',
  'role:master',
  'connected_slaves:0',
  'master_failover_state:no-failover',
  'master_replid:dfef471775f8eb653068e0dae8c5788cc75f7d0b',
  'master_replid2:9e056af1781ce70e9fe660c9c82cecc8a9c3b912',
  'master_repl_offset:2262',
  'second_repl_offset:1595',
  '',
].join('\r\n');

describe('parseReplicationInfo', () => {
  it('reads a primary and its replica lines, IPv6 included', () => {
    const info = parseReplicationInfo(PRIMARY);
    expect(info.role).toBe('master');
    expect(info.connectedReplicas).toBe(2);
    expect(info.offset).toBe(1410);
    expect(info.promoted).toBe(false);
    expect(info.masterAddress).toBeUndefined();
    expect(info.replicas).toEqual([
      { address: '127.0.0.1:17002', state: 'wait_bgsave', offset: 0, lagS: 0 },
      { address: '::1:17003', state: 'online', offset: 1207, lagS: 1 },
    ]);
  });

  it('reads a replica whose link is down: master, status, down time, its own offset', () => {
    const info = parseReplicationInfo(REPLICA_DOWN);
    expect(info).toMatchObject({
      role: 'slave',
      masterAddress: '127.0.0.1:17001',
      linkStatus: 'down',
      lastIoS: -1,
      syncInProgress: false,
      linkDownS: 6,
      offset: 1207,
      replicas: [],
    });
  });

  it('marks a primary promoted from a replica (second replication id kept)', () => {
    expect(parseReplicationInfo(PROMOTED).promoted).toBe(true);
  });
});
