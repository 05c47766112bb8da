import type { IncomingMessage } from 'node:http';
import { AppError } from '../kernel/errors.js';

/**
 * Webhook bodies above this are refused with 413. An alert of a typical group is 0.5–1 KB of JSON, so 10 MiB fits
 * real groups of several thousand alerts; bigger groups should be capped with Alertmanager's
 * `webhook_configs.max_alerts` (the payload then says how many it left out in `truncatedAlerts`).
 */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

/**
 * Reads a request body up to `limit` bytes. Over the limit it stops reading and throws BODY_TOO_LARGE at once, so a
 * huge or endless body cannot exhaust memory.
 */
export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit)
    throw new AppError('BODY_TOO_LARGE', `body of ${declared} bytes is over the ${limit}-byte limit`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) throw new AppError('BODY_TOO_LARGE', `body is over the ${limit}-byte limit`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}
