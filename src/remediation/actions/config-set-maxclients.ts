import { z } from 'zod';
import { errorMessage } from '../../kernel/errors.js';
import { num, parseInfo } from '../../kernel/info.js';
import type { ActionContext, Figures, RemediationAction } from '../action.js';

const ParamsSchema = z
  .object({
    /** maxclients seen when the proposal was made; the action refuses to run if someone changed it since. */
    fromMaxclients: z.number().int().positive(),
    toMaxclients: z.number().int().positive(),
  })
  .strict()
  .refine((p) => p.toMaxclients > p.fromMaxclients, 'toMaxclients must be above fromMaxclients')
  .refine((p) => p.toMaxclients <= p.fromMaxclients * 2, 'a raise is bounded to twice the current maxclients');

const PlanOptionsSchema = z
  .object({
    /** Raise by this share of the current maxclients (default 25 %, at most 100 %). */
    raisePercent: z.number().min(1).max(100).default(25),
  })
  .strict();

async function clientFigures(ctx: ActionContext): Promise<Figures> {
  const [, max] = (await ctx.client.config('GET', 'maxclients')) as [string, string];
  const clients = parseInfo(await ctx.client.info('clients'));
  const stats = parseInfo(await ctx.client.info('stats'));
  return {
    maxclients: Number(max),
    connected_clients: num(clients, 'connected_clients') ?? 0,
    rejected_connections: num(stats, 'rejected_connections') ?? 0,
  };
}

/** Redis 7 refuses a maxclients its file-descriptor limit cannot hold: "…try with 168". */
const FD_REFUSAL = /not able to handle the specified number of clients/i;

/**
 * `CONFIG SET maxclients <n>`: a bounded raise (default +25 %, at most double) when connections approach the limit.
 * Redis needs a file descriptor per client (plus 32 of its own): past the process's `ulimit -n` it lowers or refuses
 * the value, so verification reads `CONFIG GET maxclients` back and says when it is below the request.
 * Treats the symptom: a connection leak (see CLIENT LIST by address) fills the new limit too.
 */
export const configSetMaxclientsAction: RemediationAction<typeof ParamsSchema> = {
  name: 'config-set-maxclients',
  title: 'Raise maxclients',
  paramsSchema: ParamsSchema,
  planOptionsSchema: PlanOptionsSchema,
  workloads: ['cache', 'session', 'queue'],
  risk: 'more connections (memory per client, file descriptors); not persisted to redis.conf (CONFIG REWRITE is left to the operator)',
  plan(metrics, options) {
    const o = PlanOptionsSchema.parse(options);
    const from = Number(metrics['stats.maxclients'] ?? 0);
    const connected = Number(metrics['stats.connected_clients'] ?? Number.NaN);
    if (!Number.isInteger(from) || from <= 0 || Number.isNaN(connected)) return undefined;
    const to = Math.ceil(from * (1 + o.raisePercent / 100));
    return to > from ? { fromMaxclients: from, toMaxclients: to } : undefined;
  },
  command: (p) => `CONFIG SET maxclients ${p.toMaxclients}   (${p.fromMaxclients} → ${p.toMaxclients})`,
  async precondition(ctx, p) {
    const before = await clientFigures(ctx);
    if (before.maxclients !== p.fromMaxclients) {
      return {
        ok: false,
        reason: `maxclients is now ${before.maxclients}, not ${p.fromMaxclients} as proposed; re-run the diagnosis`,
        before,
      };
    }
    return {
      ok: true,
      reason: `maxclients is still ${p.fromMaxclients}; ${before.connected_clients} clients connected`,
      before,
    };
  },
  async execute(ctx, p) {
    try {
      return String(await ctx.client.config('SET', 'maxclients', String(p.toMaxclients)));
    } catch (err) {
      // Not a crash: verification reads the value back and explains the file-descriptor cap.
      if (FD_REFUSAL.test(errorMessage(err))) return `refused by Redis: ${errorMessage(err)}`;
      throw err;
    }
  },
  async verify(ctx, p, before) {
    const after = await clientFigures(ctx);
    const actual = Number(after.maxclients);
    if (actual >= p.toMaxclients) {
      return {
        ok: true,
        summary: `maxclients ${before.maxclients} → ${actual}; ${after.connected_clients} clients connected (${Math.round((Number(after.connected_clients) / actual) * 100)}% of the new limit)`,
        after,
      };
    }
    return {
      ok: false,
      summary:
        `maxclients reads ${actual}, below the ${p.toMaxclients} requested: Redis caps maxclients by the process's ` +
        'file-descriptor limit (ulimit -n minus 32). Raise the limit (systemd LimitNOFILE, ulimit -n) and restart Redis, ' +
        'or find the connection leak.',
      after,
    };
  },
};
