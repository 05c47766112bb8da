import type { Redis } from 'ioredis';
import { RespConnection, type RespReply } from './resp-connection.js';

/** The scan options a transport needs (a structural subset, so this file does not import the scan's). */
export interface TransportOptions {
  batchSize: number;
  samples: number;
  match?: string | undefined;
  transport: 'auto' | 'dedicated' | 'client';
}

/** SCAN and the per-batch TYPE + MEMORY USAGE pipeline, over either connection. */
export interface Transport {
  scan(cursor: string): Promise<[string, string[]]>;
  /** Replies flattened: TYPE of key 0, MEMORY USAGE of key 0, TYPE of key 1, … (errors as values, not thrown). */
  size(keys: string[]): Promise<unknown[]>;
  close(): void;
}

/** Batches as ioredis pipelines on the caller's connection. */
function clientTransport(client: Redis, o: TransportOptions): Transport {
  return {
    scan: (cursor) =>
      o.match ? client.scan(cursor, 'MATCH', o.match, 'COUNT', o.batchSize) : client.scan(cursor, 'COUNT', o.batchSize),
    async size(keys) {
      const pipeline = client.pipeline();
      for (const key of keys) pipeline.type(key).memory('USAGE', key, 'SAMPLES', o.samples);
      return ((await pipeline.exec()) ?? []).map(([err, value]) => err ?? value);
    },
    close() {},
  };
}

/** Batches as one pre-encoded write on a second connection of our own. */
function dedicatedTransport(conn: RespConnection, o: TransportOptions): Transport {
  // The constant parts of `TYPE key` + `MEMORY USAGE key SAMPLES n`, so each key costs two concatenations.
  const tail = `\r\n${RespConnection.encode('SAMPLES', o.samples).slice(4)}`;
  return {
    async scan(cursor) {
      const args = o.match ? [cursor, 'MATCH', o.match, 'COUNT', o.batchSize] : [cursor, 'COUNT', o.batchSize];
      const [reply] = await conn.send(RespConnection.encode('SCAN', ...args), 1);
      if (reply instanceof Error) throw reply;
      const [next, keys] = reply as [string, string[]];
      return [next, keys];
    },
    size(keys): Promise<RespReply[]> {
      let payload = '';
      for (const key of keys) {
        const head = `$${Buffer.byteLength(key)}\r\n${key}`;
        payload += `*2\r\n$4\r\nTYPE\r\n${head}\r\n*5\r\n$6\r\nMEMORY\r\n$5\r\nUSAGE\r\n${head}${tail}`;
      }
      return conn.send(payload, keys.length * 2);
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
    const fallbackReason = err instanceof Error ? err.message : String(err);
    return { transport: clientTransport(client, o), info: { used: 'client' as const, fallbackReason } };
  }
}
