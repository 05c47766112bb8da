import { z } from 'zod';
import type { ProbeResult, TopologyProbe, TopologyProbeContext } from '../probe.js';
import {
  addressOf,
  configEpoch,
  describeDisagreement,
  flaggedDown,
  flagsOf,
  formerPrimary,
  knownReplicas,
  looksDown,
  masterAgreement,
  readSentinels,
} from '../sentinel-view.js';

const ParamsSchema = z
  .object({
    /** Bound on each sentinel's connection and commands, in milliseconds. */
    sentinelTimeoutMs: z.number().int().min(100).max(10_000).default(3000),
  })
  .strict();

export type SentinelParams = z.infer<typeof ParamsSchema>;

const NONE = '(none)';

/**
 * What the sentinels of a Sentinel target say: which primary each one names (and whether they agree), whether they
 * see it down, quorum, failover state and epoch, the replicas and sentinels they know. For other targets it
 * returns a note and no metrics.
 * Commands, on every configured sentinel (at most 10, in parallel): `SENTINEL MASTER`, `SENTINEL REPLICAS`,
 * `SENTINEL SENTINELS`, `SENTINEL GET-MASTER-ADDR-BY-NAME`, `SENTINEL CKQUORUM` — O(known instances) each,
 * answered from the sentinel's memory; nothing is sent to the data nodes.
 *
 * Metrics: `configured`, `reachable`, `unreachable_sentinel`, `master_addr` (most named), `master_addrs_distinct`,
 * `disagreement` (who names what), `master_flags`, `master_down` (s_down/o_down, or none named), `master_down_votes`,
 * `quorum`, `known_sentinels`, `quorum_ok` (CKQUORUM on every reachable sentinel), `ckquorum`,
 * `failover_in_progress`, `failover_state`, `config_epoch` (> 0: a failover happened since monitoring began),
 * `primary_since_s`, `last_failover`, `former_primary` (down, never seen as a replica since), `replicas_known`,
 * `replicas_ok`, `replicas_down`, `down_replica`, `down_replica_flags`, `error`.
 */
export const sentinelProbe: TopologyProbe<typeof ParamsSchema> = {
  name: 'sentinel',
  title: 'Sentinel',
  scope: 'topology',
  commands:
    'SENTINEL MASTER / REPLICAS / SENTINELS / GET-MASTER-ADDR-BY-NAME / CKQUORUM on each sentinel (O(instances), from memory)',
  paramsSchema: ParamsSchema,
  async run(ctx: TopologyProbeContext, params: SentinelParams): Promise<ProbeResult> {
    const cfg = ctx.target.sentinel;
    if (ctx.topology.kind !== 'sentinel' || !cfg) {
      return { metrics: {}, figures: [], tables: [], notes: [`${ctx.target.name} is not a Sentinel target`] };
    }
    const views = await readSentinels(ctx.topology, cfg.name, { timeoutMs: params.sentinelTimeoutMs, full: true });
    const reachable = views.filter((v) => v.reachable);
    const agreement = masterAgreement(views);
    const agreed = agreement.agreed;
    // The view of a sentinel naming the agreed primary stands for the group.
    const lead = reachable.find((v) => v.masterAddr === agreed && v.master) ?? reachable.find((v) => v.master);
    const seeingDown = reachable.filter((v) => v.masterAddr === agreed && flaggedDown(v.master));
    const failoverStates = reachable
      .map((v) => v.master?.['failover-state'])
      .filter((s): s is string => s !== undefined && s !== 'none');
    const inFailover =
      failoverStates.length > 0 || reachable.some((v) => flagsOf(v.master).includes('failover_in_progress'));
    const epoch = configEpoch(reachable);
    const replicas = knownReplicas(reachable, agreed);
    const replicasDown = replicas.filter((r) => looksDown(r) || r['master-link-status'] === 'err');
    const replicasOk = replicas.length - replicasDown.length;
    const former = formerPrimary(reachable, agreed);
    const quorumFailed = reachable.find((v) => v.ckquorum && !v.ckquorum.ok);
    const unreachable = views.find((v) => !v.reachable);
    // role-reported-time: how long this sentinel has known the instance in its role — since the +switch-master
    // that made it primary, or since the sentinel (re)started if that came later. The largest is the best bound.
    const primarySinceS = Math.round(
      Math.max(
        0,
        ...reachable
          .filter((v) => v.masterAddr === agreed)
          .map((v) => Number(v.master?.['role-reported-time'] ?? 0) || 0),
      ) / 1000,
    );
    const firstError = views.find((v) => v.error)?.error ?? views.flatMap((v) => v.commandErrors)[0];

    const metrics: ProbeResult['metrics'] = {
      'sentinel.configured': views.length,
      'sentinel.reachable': reachable.length,
      'sentinel.unreachable_sentinel': unreachable ? `${unreachable.address} (${unreachable.error ?? '?'})` : NONE,
      'sentinel.master_addr': agreed ?? NONE,
      'sentinel.master_addrs_distinct': agreement.distinct,
      'sentinel.disagreement': agreement.distinct > 1 ? describeDisagreement(agreement) : NONE,
      'sentinel.master_flags': lead?.master?.flags ?? NONE,
      'sentinel.master_down': !agreed || seeingDown.length > 0 ? 1 : 0,
      'sentinel.master_down_votes': seeingDown.length,
      'sentinel.quorum': Number(lead?.master?.quorum ?? 0),
      'sentinel.known_sentinels': lead?.master ? Number(lead.master['num-other-sentinels'] ?? 0) + 1 : 0,
      'sentinel.quorum_ok': reachable.length > 0 && !quorumFailed ? 1 : 0,
      'sentinel.ckquorum': quorumFailed?.ckquorum
        ? `${quorumFailed.address}: ${quorumFailed.ckquorum.text}`
        : (reachable[0]?.ckquorum?.text ?? NONE),
      'sentinel.failover_in_progress': inFailover ? 1 : 0,
      'sentinel.failover_state': failoverStates[0] ?? NONE,
      'sentinel.config_epoch': epoch,
      'sentinel.primary_since_s': primarySinceS,
      'sentinel.last_failover':
        epoch > 0 ? `epoch ${epoch}: primary now ${agreed ?? '?'}, in that role for at least ${primarySinceS}s` : NONE,
      'sentinel.former_primary': former ?? NONE,
      'sentinel.replicas_known': replicas.length,
      'sentinel.replicas_ok': replicasOk,
      'sentinel.replicas_down': replicasDown.length,
      'sentinel.down_replica': replicasDown[0] ? addressOf(replicasDown[0]) : NONE,
      'sentinel.down_replica_flags': replicasDown[0]?.flags ?? NONE,
      'sentinel.error': firstError ?? NONE,
    };

    const notes: string[] = [];
    if (!agreed) notes.push(`no sentinel names a primary for ${cfg.name}${firstError ? `: ${firstError}` : ''}`);
    if (former) {
      notes.push(
        `${former} is down and has never reported as a replica since the failover: most likely the former primary`,
      );
    }
    const figures = [
      { label: 'primary (agreed)', value: agreed ?? 'none named' },
      { label: 'sentinels reachable', value: `${reachable.length} of ${views.length}` },
      { label: 'master flags', value: String(metrics['sentinel.master_flags']) },
      { label: 'quorum', value: `${metrics['sentinel.quorum']} (${quorumFailed ? 'NOT reachable' : 'reachable'})` },
      { label: 'config epoch', value: String(epoch) },
      { label: 'replicas ok / known', value: `${replicasOk} / ${replicas.length}` },
    ];
    if (agreement.distinct > 1) figures.push({ label: 'disagreement', value: describeDisagreement(agreement) });
    if (inFailover) figures.push({ label: 'failover', value: `in progress (${failoverStates[0] ?? 'flagged'})` });
    const tables = [
      {
        title: 'Sentinels',
        columns: ['sentinel', 'primary named', 'flags', 'other sentinels', 'quorum', 'epoch', 'CKQUORUM'],
        rows: views.map((v) =>
          v.reachable
            ? [
                v.address,
                v.masterAddr ?? 'none',
                v.master?.flags ?? v.commandErrors[0] ?? '?',
                v.master?.['num-other-sentinels'] ?? '?',
                v.master?.quorum ?? '?',
                v.master?.['config-epoch'] ?? '?',
                v.ckquorum?.text ?? '?',
              ]
            : [v.address, `unreachable: ${v.error ?? '?'}`, '', '', '', '', ''],
        ),
      },
    ];
    if (replicas.length) {
      tables.push({
        title: `Replicas known to Sentinel (${lead?.address ?? '?'})`,
        columns: ['replica', 'flags', 'master link', 'follows', 'offset'],
        rows: replicas.map((r) => [
          addressOf(r),
          r.flags ?? '?',
          r['master-link-status'] ?? '?',
          `${r['master-host'] ?? '?'}:${r['master-port'] ?? '?'}`,
          r['slave-repl-offset'] ?? '?',
        ]),
      });
    }
    return { metrics, figures, tables, notes };
  },
};
