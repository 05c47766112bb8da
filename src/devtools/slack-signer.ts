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

/** The element a `block_actions` click came from, as Slack reports it in `actions[0]`. */
export type ClickedElement =
  | { type: 'button'; value: string; label?: string }
  | { type: 'static_select'; selected: { value: string; text: string } }
  | { type: 'overflow'; selected: { value: string; text: string } }
  | { type: 'users_select'; selectedUser: string };

function actionOf(actionId: string, blockId: string, el: ClickedElement, actionTs: string): Record<string, unknown> {
  const base = { action_id: actionId, block_id: blockId, type: el.type, action_ts: actionTs };
  switch (el.type) {
    case 'button':
      return { ...base, value: el.value, text: { type: 'plain_text', text: el.label ?? 'Approve', emoji: true } };
    case 'static_select':
      return {
        ...base,
        selected_option: {
          text: { type: 'plain_text', text: el.selected.text, emoji: true },
          value: el.selected.value,
        },
        placeholder: { type: 'plain_text', text: 'Choose', emoji: true },
      };
    case 'overflow':
      return {
        ...base,
        selected_option: {
          text: { type: 'plain_text', text: el.selected.text, emoji: true },
          value: el.selected.value,
        },
      };
    case 'users_select':
      return { ...base, selected_user: el.selectedUser };
  }
}

/**
 * A `block_actions` interaction for one click, as `payload=<urlencoded JSON>` like Slack posts it. By default a
 * button (`value`, `label`, default `Approve`); `element` gives a select, user select or overflow choice instead.
 * `state` is the message's `state.values` (block id → action id → the element's current value), which Slack sends
 * with every click on a message holding selects.
 */
export function blockActionBody(opts: {
  actionId: string;
  value?: string;
  element?: ClickedElement;
  userId: string;
  channel: string;
  messageTs: string;
  threadTs?: string;
  responseUrl?: string;
  label?: string;
  blockId?: string;
  state?: Record<string, Record<string, unknown>>;
}): string {
  const actionTs = (Date.now() / 1000).toFixed(6);
  const element: ClickedElement = opts.element ?? {
    type: 'button',
    value: opts.value ?? '',
    ...(opts.label ? { label: opts.label } : {}),
  };
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
    state: { values: opts.state ?? {} },
    response_url: opts.responseUrl ?? `https://hooks.slack.com/actions/${TEAM.id}/1234567890/stand-in-response-url`,
    actions: [actionOf(opts.actionId, opts.blockId ?? 'actions', element, actionTs)],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/**
 * A `view_submission` of a modal the bot opened, as `payload=` form field. `values` is the view's
 * `state.values` (block id → action id → value object, e.g. `{ type: 'plain_text_input', value: '…' }`).
 */
export function viewSubmissionBody(opts: {
  userId: string;
  callbackId: string;
  privateMetadata: string;
  values: Record<string, Record<string, unknown>>;
  viewId?: string;
  blocks?: unknown[];
}): string {
  const payload = {
    type: 'view_submission',
    team: TEAM,
    user: { id: opts.userId, username: opts.userId.toLowerCase(), name: opts.userId.toLowerCase(), team_id: TEAM.id },
    api_app_id: APP_ID,
    token: VERIFICATION_TOKEN,
    trigger_id: newTriggerId(),
    view: {
      id: opts.viewId ?? `V0${randomBytes(4).toString('hex').toUpperCase()}`,
      team_id: TEAM.id,
      type: 'modal',
      blocks: opts.blocks ?? [],
      private_metadata: opts.privateMetadata,
      callback_id: opts.callbackId,
      state: { values: opts.values },
      hash: `${Math.floor(Date.now() / 1000)}.${randomBytes(4).toString('hex')}`,
      title: { type: 'plain_text', text: 'Modal', emoji: true },
      clear_on_close: false,
      notify_on_close: false,
      close: null,
      submit: { type: 'plain_text', text: 'Submit', emoji: true },
      previous_view_id: null,
      root_view_id: null,
      app_id: APP_ID,
      external_id: '',
      app_installed_team_id: TEAM.id,
      bot_id: 'BBOT',
    },
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/**
 * A message shortcut (`message_action`) on one message, as `payload=` form field: the shortcut's `callback_id`, the
 * person who ran it and the message as Slack describes it (`user` or `bot_id`, `ts`, `text`, `thread_ts` when it
 * sits in a thread).
 */
export function messageActionBody(opts: {
  callbackId: string;
  userId: string;
  channel: string;
  message: { ts: string; text: string; user?: string; bot_id?: string; thread_ts?: string };
  responseUrl?: string;
}): string {
  const payload = {
    type: 'message_action',
    token: VERIFICATION_TOKEN,
    action_ts: (Date.now() / 1000).toFixed(6),
    team: TEAM,
    user: { id: opts.userId, username: opts.userId.toLowerCase(), team_id: TEAM.id, name: opts.userId.toLowerCase() },
    channel: { id: opts.channel, name: opts.channel.toLowerCase() },
    is_enterprise_install: false,
    enterprise: null,
    callback_id: opts.callbackId,
    trigger_id: newTriggerId(),
    response_url: opts.responseUrl ?? `https://hooks.slack.com/app/${TEAM.id}/1234567890/stand-in-response-url`,
    message_ts: opts.message.ts,
    message: { type: 'message', team: TEAM.id, ...opts.message },
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
 * An `app_mention` delivery: `text` as Slack sends it (`<@UBOT> note …`, user mentions as `<@U…>`), in a thread
 * when `threadTs` is given. `ts` is the mentioning message's own ts.
 */
export function appMentionBody(opts: {
  eventId: string;
  user: string;
  text: string;
  channel: string;
  ts: string;
  threadTs?: string;
  botId?: string;
}): string {
  return eventCallbackBody({
    eventId: opts.eventId,
    event: {
      type: 'app_mention',
      user: opts.user,
      text: opts.text,
      ts: opts.ts,
      team: TEAM.id,
      channel: opts.channel,
      event_ts: opts.ts,
      client_msg_id: randomBytes(16).toString('hex'),
      ...(opts.threadTs ? { thread_ts: opts.threadTs } : {}),
      ...(opts.botId ? { bot_id: opts.botId } : {}),
    },
  });
}

/** The headers of an Events API delivery beside the signature: JSON, and Slack's retry headers for a retry. */
export function eventHeaders(retryNum?: number): Record<string, string> {
  return {
    'Content-Type': 'application/json',
    ...(retryNum ? { 'X-Slack-Retry-Num': String(retryNum), 'X-Slack-Retry-Reason': 'http_timeout' } : {}),
  };
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
