import type { ChainableCommander, Redis } from 'ioredis';
import { errorMessage } from '../kernel/errors.js';
import { RespConnection } from './resp-connection.js';

/**
 * What a key scan sends for each key SCAN returns, and what it does with the replies: `TYPE` + `MEMORY USAGE` for
 * the largest-keys scan, `OBJECT FREQ` for the hot-keys one. Both transports write the same commands.
 */
export interface KeyWork {
  /** Commands sent per key. */
  perKey: number;
  /** Keys per write at the gentle pace (`PacingLimits.gentleBurst`). */
  gentleBurst: number;
  /** The key's commands, RESP-encoded (the dedicated connection). */
  encode(key: string): string;
  /** The same commands on an ioredis pipeline (the client transport). */
  queue(pipeline: ChainableCommander, key: string): void;
  /**
   * Takes the key's `perKey` replies, `replies[at]` on (server errors as `Error` values; no slice per key, since a
   * scan may record millions). Returns `true` when recorded, `false` when
   * the key vanished since SCAN returned it, or the error when the server refused the command (e.g. OBJECT FREQ
   * without an LFU policy, or an ACL).
   */
  record(key: string, replies: readonly unknown[], at: number): boolean | Error;
  /** Names of these commands as INFO commandstats spells them (`type`, `memory|usage`), to tell ours from others'. */
  commandNames: readonly string[];
}

/** The scan options a transport needs (a structural subset, so this file does not import the scans'). */
export interface TransportOptions {
  match?: string | undefined;
  transport: 'auto' | 'dedicated' | 'client';
  /** Name of the dedicated connection in CLIENT LIST. */
  connectionName: string;
}

/** What one write brings back. */
export interface WriteResult {
  /** Flattened: the `perKey` replies of key 0, then of key 1, … (errors as values, not thrown). */
  replies: unknown[];
  /** `[next cursor, keys]` of the SCAN sent in the same write, if one was. */
  scan?: [string, string[]];
}

/** The INFO sections a load reading asks for (Redis 7 takes several in one call). */
export const LOAD_INFO_SECTIONS = ['stats', 'cpu', 'clients', 'commandstats'] as const;

/**
 * SCAN, the per-key pipelines and the load readings, over either connection. Calls may overlap: each is one write,
 * and replies come back in the order the writes were made, so a load reading sees exactly the commands written
 * before it.
 */
export interface Transport {
  scan(cursor: string, count: number): Promise<[string, string[]]>;
  /**
   * Sends the work's commands for `keys` in one write; with `scan`, `SCAN cursor … COUNT count` goes in the same
   * write, so the next page costs no round trip of its own.
   */
  write(keys: string[], scan?: { cursor: string; count: number }): Promise<WriteResult>;
  /** One `INFO stats cpu clients commandstats` (plain `INFO` where the server takes one section only). */
  info(): Promise<string>;
  close(): void;
}

/** Reads a SCAN reply, throwing a server error (e.g. a bad MATCH) as the scan's failure. */
function scanReply(reply: unknown): [string, string[]] {
  if (reply instanceof Error) throw reply;
  const [next, keys] = reply as [string, string[]];
  return [next, keys];
}

/** Redis before 7.0 refuses several INFO sections in one call; plain INFO then (no commandstats). */
const isSyntaxError = (reply: unknown) => reply instanceof Error && /syntax error/i.test(reply.message);

/** Batches as ioredis pipelines on the caller's connection. */
function clientTransport(client: Redis, work: KeyWork, o: TransportOptions): Transport {
  const scanArgs = (cursor: string, count: number) =>
    o.match ? [cursor, 'MATCH', o.match, 'COUNT', count] : [cursor, 'COUNT', count];
  let multiSection = true;
  return {
    scan: async (cursor, count) => scanReply(await client.call('SCAN', ...scanArgs(cursor, count))),
    async write(keys, scan) {
      const pipeline = client.pipeline();
      for (const key of keys) work.queue(pipeline, key);
      if (scan) pipeline.call('SCAN', ...scanArgs(scan.cursor, scan.count));
      const replies = ((await pipeline.exec()) ?? []).map(([err, value]) => err ?? value);
      return scan ? { replies, scan: scanReply(replies.pop()) } : { replies };
    },
    async info() {
      if (multiSection) {
        try {
          return String(await client.call('INFO', ...LOAD_INFO_SECTIONS));
        } catch (err) {
          if (!isSyntaxError(err)) throw err;
          multiSection = false;
        }
      }
      return String(await client.call('INFO'));
    },
    close() {},
  };
}

/** Batches as one pre-encoded write on a second connection of our own. */
function dedicatedTransport(conn: RespConnection, work: KeyWork, o: TransportOptions): Transport {
  const scanCommand = (cursor: string, count: number) =>
    o.match
      ? RespConnection.encode('SCAN', cursor, 'MATCH', o.match, 'COUNT', count)
      : RespConnection.encode('SCAN', cursor, 'COUNT', count);
  let infoCommand = RespConnection.encode('INFO', ...LOAD_INFO_SECTIONS);
  return {
    async scan(cursor, count) {
      const [reply] = await conn.send(scanCommand(cursor, count), 1);
      return scanReply(reply);
    },
    async write(keys, scan) {
      let payload = '';
      for (const key of keys) payload += work.encode(key);
      const count = keys.length * work.perKey;
      if (!scan) return { replies: await conn.send(payload, count) };
      const replies = await conn.send(payload + scanCommand(scan.cursor, scan.count), count + 1);
      return { replies, scan: scanReply(replies.pop()) };
    },
    async info() {
      let [reply] = await conn.send(infoCommand, 1);
      if (isSyntaxError(reply)) {
        infoCommand = RespConnection.encode('INFO');
        [reply] = await conn.send(infoCommand, 1);
      }
      if (reply instanceof Error) throw reply;
      return String(reply);
    },
    close: () => conn.close(),
  };
}

/**
 * Opens the transport `o.transport` asks for. `auto` prefers the dedicated connection and falls back to the
 * client's pipeline with the reason, so a scan still runs where a second connection is refused.
 */
export async function openTransport(client: Redis, work: KeyWork, o: TransportOptions) {
  if (o.transport === 'client') {
    return { transport: clientTransport(client, work, o), info: { used: 'client' as const } };
  }
  try {
    const conn = await RespConnection.open(client, o.connectionName);
    return { transport: dedicatedTransport(conn, work, o), info: { used: 'dedicated' as const } };
  } catch (err) {
    if (o.transport === 'dedicated') throw err;
    const fallbackReason = errorMessage(err);
    return { transport: clientTransport(client, work, o), info: { used: 'client' as const, fallbackReason } };
  }
}
