import type { AckKind } from '../kernel/metrics.js';

/**
 * What a request on `/slack/events` was, from its raw body, for the ack-latency histogram: a slash command (form
 * field `command`), an interaction (form field `payload`: `block_actions` is a click, `view_submission` a modal
 * submitted, `shortcut`/`message_action` a shortcut) or an Events API delivery (JSON `event_callback`, e.g. an
 * `app_mention`). Read after the response is sent, so it costs the ack nothing.
 */
export function slackRequestKind(rawBody: Buffer | undefined, contentType: string | undefined): AckKind {
  if (!rawBody || rawBody.length === 0) return 'other';
  try {
    if ((contentType ?? '').includes('application/json')) {
      return (JSON.parse(rawBody.toString('utf8')) as { type?: unknown }).type === 'event_callback' ? 'event' : 'other';
    }
    const form = new URLSearchParams(rawBody.toString('utf8'));
    if (form.has('command')) return 'slash';
    const payload = form.get('payload');
    if (!payload) return 'other';
    switch ((JSON.parse(payload) as { type?: unknown }).type) {
      case 'block_actions':
        return 'click';
      case 'view_submission':
        return 'view';
      case 'shortcut':
      case 'message_action':
        return 'shortcut';
      default:
        return 'other';
    }
  } catch {
    return 'other';
  }
}
