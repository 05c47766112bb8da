import { describe, expect, it } from 'vitest';
import {
  analyseCluster,
  type ClusterSample,
  formatRanges,
  slotRangesWhere,
} from '../../../src/diagnostics/cluster-analysis.js';
import { parseInfo } from '../../../src/kernel/info.js';
import { parseClusterNodes } from '../../../src/targets/cluster-nodes.js';

const A = '127.0.0.1:7001';
const B = '127.0.0.1:7002';
const C = '127.0.0.1:7003';
const R = '127.0.0.1:7004';

function view(me: string, lines: string[]): ClusterNode[] {
  return parseClusterNodes(
    lines
      .map((l) => (l.includes(me) ? l.replace(' master', ' myself,master').replace(' slave', ' myself,slave') : l))
      .join('\n'),
  );
}
type ClusterNode = ReturnType<typeof parseClusterNodes>[number];

function sampleOf(
  address: string,
  lines: string[],
  info: string,
  replication = 'role:master\r\nconnected_slaves:0',
): ClusterSample {
  const v = view(address, lines);
  const myself = v.find((n) => n.myself);
  return {
    address,
    info: parseInfo(info),
    view: v,
    myself,
    replication: parseInfo(replication),
    stats: myself?.role === 'primary' ? parseInfo('sync_full:0\r\nsync_partial_ok:0') : undefined,
  };
}

const opts = { epochDelta: 0, stateChanges: 0, maxRanges: 10, notes: [] };

describe('slot ranges', () => {
  it('compresses slots into ranges and spells out at most max of them', () => {
    expect(slotRangesWhere((s) => s >= 5461 && s <= 10922)).toEqual([[5461, 10922]]);
    expect(
      formatRanges([
        [0, 0],
        [2, 5],
      ]),
    ).toBe('0,2-5');
    expect(formatRanges([])).toBe('(none)');
    expect(
      formatRanges(
        [
          [0, 1],
          [3, 4],
          [6, 7],
        ],
        2,
      ),
    ).toBe('0-1,3-4,… (+1 more ranges)');
  });
});

describe('analyseCluster', () => {
  const lines = [
    `a ${A}@17001 master - 0 0 1 connected 0-5460`,
    `b ${B}@17002 master,fail - 0 0 2 disconnected 5461-10922`,
    `c ${C}@17003 master - 0 0 3 connected 10923-16383`,
    `r ${R}@17004 slave b 0 0 2 connected`,
  ];
  const failInfo =
    'cluster_state:fail\r\ncluster_slots_assigned:16384\r\ncluster_slots_ok:10922\r\ncluster_slots_pfail:0\r\ncluster_slots_fail:5462\r\ncluster_known_nodes:4\r\ncluster_size:3\r\ncluster_current_epoch:3\r\ncluster_stats_messages_fail_received:1';

  it('names the failed primary, its unserved range and the replica that could take over', () => {
    const result = analyseCluster(
      [
        sampleOf(A, lines, failInfo),
        sampleOf(C, lines, failInfo),
        sampleOf(R, lines, failInfo, 'role:slave\r\nmaster_link_status:down'),
      ],
      new Map([[B, 'connection refused']]),
      opts,
    );
    expect(result.metrics).toMatchObject({
      'cluster.state': 'fail',
      'cluster.failed_node': B,
      'cluster.failed_node_slots': '5461-10922',
      'cluster.unserved_ranges': '5461-10922',
      'cluster.slots_unserved': 5462,
      'cluster.replicas_for_failed': 1,
      'cluster.replica_for_failed': R,
      'cluster.replica_links_down': 1,
      'cluster.nodes_disagree': 0,
      'cluster.disconnected_links': 0,
      'cluster.fail_messages': 1,
      'cluster.unreachable_node': B,
    });
  });

  it('reports disagreeing nodes and a pfail suspicion with who suspects it', () => {
    const pfailLines = lines.map((l) => l.replace('master,fail', 'master,fail?'));
    const okInfo = failInfo.replace('cluster_state:fail', 'cluster_state:ok');
    const result = analyseCluster(
      [
        sampleOf(A, pfailLines, okInfo),
        sampleOf(
          C,
          lines.map((l) => l.replace('master,fail', 'master')),
          failInfo,
        ),
      ],
      new Map(),
      opts,
    );
    expect(result.metrics).toMatchObject({
      'cluster.state': 'fail',
      'cluster.nodes_disagree': 1,
      'cluster.pfail_nodes': 1,
      'cluster.pfail_node': B,
      'cluster.pfail_suspected_by': A,
      'cluster.failed_nodes': 0,
      'cluster.slots_unserved': 0,
    });
  });
});
