import { describe, expect, it } from 'vitest';
import { parseClusterNodes } from '../../../src/targets/cluster-nodes.js';

// Captured from redis-server 7.0.15: a three-primary cluster after its middle primary was killed with SIGKILL.
const AFTER_KILL = [
  'f81db67e4684d6c793742d5e9c9806f63335cb72 127.0.0.1:21002@31002 master,fail - 1795454708263 1795454707964 0 disconnected 5461-10922',
  '408e7c9dea778f33579006cb28b7b15ad9332884 127.0.0.1:21001@31001 master - 0 1795454711280 1 connected 0-5460',
  'ebc50e353848bea15e60b8c1ca6561287fcbc6b4 127.0.0.1:21003@31003 myself,master - 0 1795454710000 2 connected 10923-16383',
  '',
].join('\n');

describe('parseClusterNodes', () => {
  it('reads ids, addresses without the bus port, flags, links and slot ranges', () => {
    const nodes = parseClusterNodes(AFTER_KILL);
    expect(nodes).toHaveLength(3);
    expect(nodes[0]).toMatchObject({
      id: 'f81db67e4684d6c793742d5e9c9806f63335cb72',
      address: '127.0.0.1:21002',
      role: 'primary',
      failing: true,
      suspected: false,
      linkState: 'disconnected',
      slots: [[5461, 10922]],
    });
    expect(nodes[2]).toMatchObject({ myself: true, failing: false, slots: [[10923, 16383]] });
  });

  it('tells pfail from fail, reads replicas, single slots and skips migrating markers', () => {
    const text = [
      'aaa 10.0.0.1:6379@16379,redis-a.example master,fail? - 1 2 3 connected 0-99 100 [101->-bbb]',
      'bbb 10.0.0.2:6379@16379 slave aaa 0 2 3 connected',
    ].join('\n');
    const [a, b] = parseClusterNodes(text);
    expect(a).toMatchObject({ address: '10.0.0.1:6379', suspected: true, failing: false });
    expect(a?.slots).toEqual([
      [0, 99],
      [100, 100],
    ]);
    expect(b).toMatchObject({ role: 'replica', primaryId: 'aaa', slots: [] });
  });

  it('fills in the host for a node that has not learned its own IP yet', () => {
    // A fresh node that no peer has talked to prints `:port` for itself.
    const fresh = '408e7c9dea778f33579006cb28b7b15ad9332884 :21001@31001 myself,master - 0 0 0 connected';
    expect(parseClusterNodes(fresh)[0]?.address).toBe(':21001');
    expect(parseClusterNodes(fresh, { host: '127.0.0.1' })[0]?.address).toBe('127.0.0.1:21001');
  });
});
