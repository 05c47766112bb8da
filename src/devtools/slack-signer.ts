import { createHmac, randomBytes, randomInt } from 'node:crypto';

const TEAM = { id: 'T0TEST', domain: 'test' };
const APP_ID = 'A0TESTAPP';
// The deprecated verification token Slack still puts in payloads; Bolt ignores it in favour of the signature.
const VERIFICATION_TOKEN = 'stand-in-verification-token';
const RESPONSE_URL = `https://hooks.slack.com/commands/${TEAM.id}/1234567890/stand-in-response-url`;

/**
 * A fresh trigger id in Slack's shape (`13345224609.738474920.8088930838d88f008e0`): Slack gives every invocation
 * its own, so two identical commands typed in the same second are two different requests (different bodies and
 * signatures), which the bot's replay guard must tell apart from a replayed one.
 */
function newTriggerId(): string {
  return `${Date.now()}.${randomInt(100_000_000, 999_999_999)}.${randomBytes(16).toString('hex')}`;
}

/**
 * Headers Slack sends with every request to an app: the timestamp and `v0=` + hex HMAC-SHA256 of `v0:{ts}:{body}`
 * keyed with the signing secret, plus the form content type. `timestamp` is unix seconds.
 */
export function signSlackRequest(
  secret: string,
  body: string,
  timestamp = Math.floor(Date.now() / 1000),
): Record<string, string> {
  const signature = createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex');
  return {
    'Content-Type': 'application/x-www-form-urlencoded',
    'X-Slack-Request-Timestamp': String(timestamp),
    'X-Slack-Signature': `v0=${signature}`,
  };
}

/** A slash-command body with the fields Slack sends, form-encoded in Slack's order. */
export function slashCommandBody(fields: {
  command: string;
  text: string;
  user_id: string;
  channel_id: string;
  thread_ts?: string;
  response_url?: string;
  trigger_id?: string;
  team_id?: string;
  user_name?: string;
}): string {
  const params = new URLSearchParams({
    token: VERIFICATION_TOKEN,
    team_id: fields.team_id ?? TEAM.id,
    team_domain: TEAM.domain,
    channel_id: fields.channel_id,
    channel_name: fields.channel_id.toLowerCase(),
    user_id: fields.user_id,
    user_name: fields.user_name ?? fields.user_id.toLowerCase(),
    command: fields.command,
    text: fields.text,
    api_app_id: APP_ID,
    is_enterprise_install: 'false',
    response_url: fields.response_url ?? RESPONSE_URL,
    trigger_id: fields.trigger_id ?? newTriggerId(),
  });
  if (fields.thread_ts) params.set('thread_ts', fields.thread_ts);
  return params.toString();
}

/**
 * A `block_actions` interaction for one button click, as `payload=<urlencoded JSON>` like Slack posts it.
 * `label` is the button text (default `Approve`), `blockId` its block.
 */
export function blockActionBody(opts: {
  actionId: string;
  value: string;
  userId: string;
  channel: string;
  messageTs: string;
  threadTs?: string;
  responseUrl?: string;
  label?: string;
  blockId?: string;
}): string {
  const actionTs = (Date.now() / 1000).toFixed(6);
  const payload = {
    type: 'block_actions',
    user: { id: opts.userId, username: opts.userId.toLowerCase(), name: opts.userId.toLowerCase(), team_id: TEAM.id },
    api_app_id: APP_ID,
    token: VERIFICATION_TOKEN,
    container: {
      type: 'message',
      message_ts: opts.messageTs,
      channel_id: opts.channel,
      is_ephemeral: false,
      thread_ts: opts.threadTs,
    },
    trigger_id: newTriggerId(),
    team: TEAM,
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: opts.channel, name: opts.channel.toLowerCase() },
    message: {
      type: 'message',
      ts: opts.messageTs,
      text: 'incident-bot message',
      user: 'UBOT',
      bot_id: 'BBOT',
      thread_ts: opts.threadTs,
    },
    state: { values: {} },
    response_url: opts.responseUrl ?? `https://hooks.slack.com/actions/${TEAM.id}/1234567890/stand-in-response-url`,
    actions: [
      {
        action_id: opts.actionId,
        block_id: opts.blockId ?? 'actions',
        value: opts.value,
        type: 'button',
        action_ts: actionTs,
        text: { type: 'plain_text', text: opts.label ?? 'Approve', emoji: true },
      },
    ],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/**
 * An Events API delivery (`event_callback`) as JSON, e.g. an `app_mention`. Slack retries an unacknowledged one with
 * the same `event_id` and an `X-Slack-Retry-Num` header, signed afresh.
 */
export function eventCallbackBody(opts: { eventId: string; event: Record<string, unknown> }): string {
  return JSON.stringify({
    token: VERIFICATION_TOKEN,
    team_id: TEAM.id,
    api_app_id: APP_ID,
    event: opts.event,
    type: 'event_callback',
    event_id: opts.eventId,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ team_id: TEAM.id, user_id: 'UBOT', is_bot: true, is_enterprise_install: false }],
    is_ext_shared_channel: false,
  });
}

/**
 * POSTs `body` to `url` signed with `secret`, as Slack would deliver it. `headers` adds or overrides headers (a JSON
 * content type for Events API bodies, `X-Slack-Retry-Num` for Slack's retries).
 */
export async function postSigned(
  url: string,
  secret: string,
  body: string,
  opts: { timestamp?: number; headers?: Record<string, string> } = {},
): Promise<{ status: number; text: string }> {
  const headers = { ...signSlackRequest(secret, body, opts.timestamp), ...opts.headers };
  const res = await fetch(url, { method: 'POST', headers, body });
  return { status: res.status, text: await res.text() };
}
