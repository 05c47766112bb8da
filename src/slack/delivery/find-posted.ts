import type { WebClient } from '@slack/web-api';

/** The `event_type` of the metadata every outbox post carries, with `{ key }` as payload. */
export const OUTBOX_EVENT_TYPE = 'rib_outbox';

const MAX_PAGES = 10;

interface Listed {
  ts?: string;
  metadata?: { event_type?: string; event_payload?: Record<string, unknown> };
}

const isOurs = (m: Listed, key: string) =>
  m.metadata?.event_type === OUTBOX_EVENT_TYPE && m.metadata.event_payload?.key === key;

/**
 * Looks in Slack for a message the outbox already posted under `key` (its metadata says so): after a lost response
 * or a deliverer that died mid-call, this is what keeps a post from appearing twice. A reply is looked for in its
 * thread (`conversations.replies`), a top-level post among the channel's latest messages
 * (`conversations.history`). Needs the `channels:history` scope (`groups:history` for private channels).
 */
export async function findPosted(
  client: WebClient,
  where: { channel: string; threadTs?: string; key: string },
): Promise<string | undefined> {
  if (!where.threadTs) {
    const res = await client.conversations.history({ channel: where.channel, include_all_metadata: true, limit: 200 });
    return (res.messages as Listed[] | undefined)?.find((m) => isOurs(m, where.key))?.ts;
  }
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const res = await client.conversations.replies({
      channel: where.channel,
      ts: where.threadTs,
      include_all_metadata: true,
      limit: 200,
      ...(cursor ? { cursor } : {}),
    });
    const found = (res.messages as Listed[] | undefined)?.find((m) => isOurs(m, where.key));
    if (found?.ts) return found.ts;
    cursor = res.response_metadata?.next_cursor || undefined;
    if (!cursor) return undefined;
  }
  return undefined;
}
