import type { Redis } from 'ioredis';
import { errorMessage } from '../kernel/errors.js';
import { RespConnection } from './resp-connection.js';

/** The scan options a transport needs (a structural subset, so this file does not import the scan's). */
export interface TransportOptions {
  batchSize: number;
  samples: number;
  match?: string | undefined;
  transport: 'auto' | 'dedicated' | 'client';
}

/** What one sizing write brings back. */
export interface SizeResult {
  /** Flattened: TYPE of key 0, MEMORY USAGE of key 0, TYPE of key 1, … (errors as values, not thrown). */
  replies: unknown[];
  /** `[next cursor, keys]` of the SCAN sent in the same write, if one was. */
  scan?: [string, string[]];
}

/**
 * SCAN and the TYPE + MEMORY USAGE pipelines, over either connection. Calls may overlap: each is one write, and
 * replies come back in the order the writes were made.
 */
export interface Transport {
  scan(cursor: string): Promise<[string, string[]]>;
  /**
   * Sizes `keys` in one write; with `cursor`, `SCAN cursor …` goes in the same write, so the next page costs no
   * round trip of its own.
   */
  size(keys: string[], cursor?: string): Promise<SizeResult>;
  close(): void;
}

/** Reads a SCAN reply, throwing a server error (e.g. a bad MATCH) as the scan's failure. */
function scanReply(reply: unknown): [string, string[]] {
  if (reply instanceof Error) throw reply;
  const [next, keys] = reply as [string, string[]];
  return [next, keys];
}

/** Batches as ioredis pipelines on the caller's connection. */
function clientTransport(client: Redis, o: TransportOptions): Transport {
  const scanArgs = (cursor: string) =>
    o.match ? [cursor, 'MATCH', o.match, 'COUNT', o.batchSize] : [cursor, 'COUNT', o.batchSize];
  return {
    scan: async (cursor) => scanReply(await client.call('SCAN', ...scanArgs(cursor))),
    async size(keys, cursor) {
      const pipeline = client.pipeline();
      for (const key of keys) pipeline.type(key).memory('USAGE', key, 'SAMPLES', o.samples);
      if (cursor !== undefined) pipeline.call('SCAN', ...scanArgs(cursor));
      const replies = ((await pipeline.exec()) ?? []).map(([err, value]) => err ?? value);
      return cursor === undefined ? { replies } : { replies, scan: scanReply(replies.pop()) };
    },
    close() {},
  };
}

/** Batches as one pre-encoded write on a second connection of our own. */
function dedicatedTransport(conn: RespConnection, o: TransportOptions): Transport {
  // The constant parts of `TYPE key` + `MEMORY USAGE key SAMPLES n`, so each key costs two concatenations.
  const tail = `\r\n${RespConnection.encode('SAMPLES', o.samples).slice(4)}`;
  const scanCommand = (cursor: string) =>
    o.match
      ? RespConnection.encode('SCAN', cursor, 'MATCH', o.match, 'COUNT', o.batchSize)
      : RespConnection.encode('SCAN', cursor, 'COUNT', o.batchSize);
  return {
    async scan(cursor) {
      const [reply] = await conn.send(scanCommand(cursor), 1);
      return scanReply(reply);
    },
    async size(keys, cursor) {
      let payload = '';
      for (const key of keys) {
        const head = `$${Buffer.byteLength(key)}\r\n${key}`;
        payload += `*2\r\n$4\r\nTYPE\r\n${head}\r\n*5\r\n$6\r\nMEMORY\r\n$5\r\nUSAGE\r\n${head}${tail}`;
      }
      if (cursor === undefined) return { replies: await conn.send(payload, keys.length * 2) };
      const replies = await conn.send(payload + scanCommand(cursor), keys.length * 2 + 1);
      return { replies, scan: scanReply(replies.pop()) };
    },
    close: () => conn.close(),
  };
}

/**
 * Opens the transport `o.transport` asks for. `auto` prefers the dedicated connection and falls back to the
 * client's pipeline with the reason, so a scan still runs where a second connection is refused.
 */
export async function openTransport(client: Redis, o: TransportOptions) {
  if (o.transport === 'client') return { transport: clientTransport(client, o), info: { used: 'client' as const } };
  try {
    const conn = await RespConnection.open(client, 'largest-keys-scan');
    return { transport: dedicatedTransport(conn, o), info: { used: 'dedicated' as const } };
  } catch (err) {
    if (o.transport === 'dedicated') throw err;
    const fallbackReason = errorMessage(err);
    return { transport: clientTransport(client, o), info: { used: 'client' as const, fallbackReason } };
  }
}
