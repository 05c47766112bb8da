import type { ChainableCommander, Redis } from 'ioredis';

/** Options of {@link generateDataset}. */
export interface DatasetOptions {
  /** Total keys written, planted big keys included. */
  keys: number;
  /** Same seed, same keys, values and TTLs. */
  seed: number;
  /** Commands per pipeline; ~1000 keeps each round trip short without flooding the server. */
  pipelineSize?: number;
}

/** A deliberately big key, the one a largest-keys scan must find as biggest of its type. */
export interface PlantedKey {
  key: string;
  type: 'string' | 'hash' | 'list' | 'zset' | 'set' | 'stream';
  elements: number;
}

/** What {@link generateDataset} wrote. */
export interface DatasetResult {
  keys: number;
  withTtl: number;
  planted: PlantedKey[];
  durationMs: number;
}

/** The planted keys, each far bigger than any ordinary key of its type so "biggest of type" has one answer. */
export const PLANTED_KEYS: readonly PlantedKey[] = [
  { key: 'big:blob:1', type: 'string', elements: 2 * 1024 * 1024 },
  { key: 'big:hash:1', type: 'hash', elements: 50_000 },
  { key: 'big:list:1', type: 'list', elements: 100_000 },
  { key: 'big:zset:1', type: 'zset', elements: 50_000 },
  { key: 'big:set:1', type: 'set', elements: 50_000 },
  { key: 'big:stream:1', type: 'stream', elements: 20_000 },
];

/** mulberry32: tiny, fast, good enough for test data, and reproducible from a 32-bit seed. */
export function seededRandom(seed: number): () => number {
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
 * Filler values are slices of shared buffers: ioredis writes a Buffer as is, where a fresh `'x'.repeat(n)` string
 * would be allocated and UTF-8 encoded per value (that was most of the generation time).
 */
const FILL = {
  v: Buffer.alloc(64, 'v'),
  s: Buffer.alloc(1024, 's'),
  c: Buffer.alloc(4096, 'c'),
  q: Buffer.alloc(128, 'q'),
};
const fill = (buf: Buffer, n: number) => buf.subarray(0, n);

type Writer = (p: ChainableCommander, i: number, rnd: () => number, int: (lo: number, hi: number) => number) => boolean;

/** Ordinary key kinds with their weight; each returns whether it set a TTL. TTLs are ≥ 1 h so nothing expires mid-bench. */
const KINDS: Array<{ weight: number; write: Writer }> = [
  {
    weight: 20, // user profiles: hashes, no TTL
    write: (p, i, _r, int) => {
      const n = int(4, 16);
      const args: Array<string | Buffer> = [];
      for (let f = 0; f < n; f++) args.push(`field${f}`, fill(FILL.v, int(4, 40)));
      p.hset(`user:${i}:profile`, ...args);
      return false;
    },
  },
  {
    weight: 20, // sessions: JSON-ish strings with TTL
    write: (p, i, _r, int) => {
      p.set(`session:${i.toString(36)}`, fill(FILL.s, int(80, 600)), 'EX', int(3600, 86_400));
      return true;
    },
  },
  {
    weight: 20, // cache entries: strings of very different sizes, half with TTL
    write: (p, i, rnd, int) => {
      const key = `cache:${['page', 'query', 'api'][i % 3]}:${i}`;
      const value = fill(FILL.c, int(20, 4000));
      if (rnd() < 0.5) {
        p.set(key, value, 'EX', int(3600, 86_400));
        return true;
      }
      p.set(key, value);
      return false;
    },
  },
  {
    weight: 10, // job queues: lists
    write: (p, i, _r, int) => {
      const items: Buffer[] = [];
      for (let j = int(1, 40); j > 0; j--) items.push(fill(FILL.q, int(10, 80)));
      p.rpush(`queue:${['mail', 'export', 'webhook'][i % 3]}:${i}`, ...items);
      return false;
    },
  },
  {
    weight: 10, // rate-limit counters with TTL
    write: (p, i, _r, int) => {
      p.set(`rate:10.0.${(i >> 8) & 255}.${i & 255}:${i}`, String(int(1, 500)), 'EX', int(3600, 7200));
      return true;
    },
  },
  {
    weight: 10, // timelines: sorted sets
    write: (p, i, _r, int) => {
      const args: Array<string | number> = [];
      for (let j = int(5, 60); j > 0; j--) args.push(int(0, 1_000_000), `post:${int(0, 1_000_000)}`);
      p.zadd(`feed:${i}`, ...args);
      return false;
    },
  },
  {
    weight: 5, // tags: sets, some with TTL
    write: (p, i, rnd, int) => {
      const members: string[] = [];
      for (let j = int(3, 40); j > 0; j--) members.push(`tag${int(0, 5000)}`);
      p.sadd(`tags:${i}`, ...members);
      if (rnd() < 0.3) {
        p.expire(`tags:${i}`, int(3600, 86_400));
        return true;
      }
      return false;
    },
  },
  {
    weight: 5, // event streams: small streams with explicit ids so the data is reproducible
    write: (p, i, _r, int) => {
      for (let j = 1, n = int(1, 8); j <= n; j++) p.xadd(`events:${i}`, `${j}-0`, 'type', 'click', 'n', String(j));
      return false;
    },
  },
];
const TOTAL_WEIGHT = KINDS.reduce((s, k) => s + k.weight, 0);

/** Writes the planted keys in chunks so no single command carries 100k arguments. */
async function writePlanted(client: Redis, chunk: number): Promise<void> {
  for (const planted of PLANTED_KEYS) {
    const { key, elements } = planted;
    if (planted.type === 'string') {
      await client.set(key, 'b'.repeat(elements));
      continue;
    }
    let p = client.pipeline();
    for (let start = 0; start < elements; start += chunk) {
      const end = Math.min(elements, start + chunk);
      const args: Array<string | number> = [];
      for (let j = start; j < end; j++) {
        if (planted.type === 'hash') args.push(`f${j}`, `value-${j}`);
        else if (planted.type === 'zset') args.push(j, `m${j}`);
        else if (planted.type === 'stream') p.xadd(key, `${j + 1}-0`, 'payload', `event-${j}`);
        else args.push(`item-${j}`);
      }
      if (planted.type === 'hash') p.hset(key, ...args);
      else if (planted.type === 'zset') p.zadd(key, ...args);
      else if (planted.type === 'list') p.rpush(key, ...args);
      else if (planted.type === 'set') p.sadd(key, ...args);
      if (planted.type === 'stream') {
        await p.exec();
        p = client.pipeline();
      }
    }
    await p.exec();
  }
}

/**
 * Writes a reproducible mixed dataset: strings, hashes, lists, sets, zsets and streams under the prefixes
 * `user:`, `session:`, `cache:`, `queue:`, `rate:`, `feed:`, `tags:`, `events:`, some with a TTL, plus
 * {@link PLANTED_KEYS}. Expects an empty database (keys are named by index and would overwrite).
 */
export async function generateDataset(client: Redis, opts: DatasetOptions): Promise<DatasetResult> {
  const started = performance.now();
  const rnd = seededRandom(opts.seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const pipelineSize = opts.pipelineSize ?? 1000;
  const ordinary = Math.max(0, opts.keys - PLANTED_KEYS.length);
  let withTtl = 0;
  let pipeline = client.pipeline();
  for (let i = 0; i < ordinary; i++) {
    let pick = rnd() * TOTAL_WEIGHT;
    const kind =
      KINDS.find((k) => {
        pick -= k.weight;
        return pick < 0;
      }) ?? KINDS[0]!;
    if (kind.write(pipeline, i, rnd, int)) withTtl++;
    if (pipeline.length >= pipelineSize) {
      assertNoErrors(await pipeline.exec());
      pipeline = client.pipeline();
    }
  }
  assertNoErrors(await pipeline.exec());
  await writePlanted(client, pipelineSize);
  return {
    keys: ordinary + PLANTED_KEYS.length,
    withTtl,
    planted: [...PLANTED_KEYS],
    durationMs: performance.now() - started,
  };
}

/** A failed write would silently shrink the dataset and skew every figure measured on it. */
function assertNoErrors(replies: Array<[Error | null, unknown]> | null): void {
  const failed = replies?.find(([err]) => err);
  if (failed) throw new Error(`dataset write failed: ${failed[0]?.message}`);
}
