import type { View, WebClient } from '@slack/web-api';
import type { ModalView, SlackMessage } from '../../blocks/types.js';
import type { Notifier } from '../../incidents/notifier.js';
import { AppError, errorMessage } from '../../kernel/errors.js';
import { redactText } from '../../kernel/redact.js';
import { MeteredWebClient, type SlackCallObserver } from '../delivery/metered-web-client.js';
import { slackApiUrlOption } from './slack-api-url.js';

/**
 * Slack error codes no retry can fix: the token is dead or the bot cannot reach the channel. A job that meets one
 * fails at once (SLACK_API_REFUSED → UnrecoverableError) instead of retrying into the same answer; anything else
 * (5xx, timeouts, rate limits) stays SLACK_API_FAILED and is retried.
 */
export const PERMANENT_SLACK_ERRORS: ReadonlySet<string> = new Set([
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'no_permission',
  'missing_scope',
  'channel_not_found',
  'is_archived',
  'not_in_channel',
]);

function slackError(code: string, message: string): AppError {
  return new AppError(PERMANENT_SLACK_ERRORS.has(code) ? 'SLACK_API_REFUSED' : 'SLACK_API_FAILED', message, {
    slackError: code,
  });
}

/** Builds the Web API client; `slackApiUrl` points at Slack or at a local stand-in (tests, demo). */
export function createWebClient(token: string, slackApiUrl?: string, observe?: SlackCallObserver): WebClient {
  return new MeteredWebClient(
    token,
    {
      ...slackApiUrlOption(slackApiUrl),
      retryConfig: { retries: 3, factor: 2, minTimeout: 200, maxTimeout: 2000 },
      timeout: 10_000,
    },
    observe,
  );
}

/**
 * Everything the bot says in Slack goes through here: one place that redacts secrets from outgoing text and
 * turns Web API failures into AppErrors the queues can retry.
 */
export class SlackNotifier implements Notifier {
  constructor(private readonly client: WebClient) {}

  private clean(message: SlackMessage): SlackMessage {
    // A last line of defence: connection errors and INFO output can echo URLs with passwords.
    return JSON.parse(redactText(JSON.stringify(message))) as SlackMessage;
  }

  async post(channel: string, message: SlackMessage, threadTs?: string): Promise<string> {
    const m = this.clean(message);
    const res = await this.call(() =>
      this.client.chat.postMessage({
        channel,
        text: m.text,
        blocks: m.blocks,
        ...(threadTs ? { thread_ts: threadTs } : {}),
        unfurl_links: false,
      }),
    );
    return String(res.ts ?? '');
  }

  async update(channel: string, ts: string, message: SlackMessage): Promise<void> {
    const m = this.clean(message);
    await this.call(() => this.client.chat.update({ channel, ts, text: m.text, blocks: m.blocks }));
  }

  async ephemeral(channel: string, user: string, text: string, threadTs?: string): Promise<void> {
    await this.call(() =>
      this.client.chat.postEphemeral({
        channel,
        user,
        text: redactText(text),
        ...(threadTs ? { thread_ts: threadTs } : {}),
      }),
    );
  }

  async createChannel(name: string): Promise<{ id: string; name: string }> {
    const res = await this.call(() => this.client.conversations.create({ name, is_private: false }));
    const id = res.channel?.id;
    if (!id) throw new AppError('SLACK_API_FAILED', 'conversations.create answered without a channel id');
    return { id, name: res.channel?.name ?? name };
  }

  async invite(channel: string, users: readonly string[]): Promise<void> {
    if (users.length === 0) return;
    try {
      await this.call(() => this.client.conversations.invite({ channel, users: users.join(',') }));
    } catch (err) {
      // Inviting someone already there changes nothing; Slack still calls it an error.
      if (err instanceof AppError && err.details?.slackError === 'already_in_channel') return;
      throw err;
    }
  }

  async permalink(channel: string, ts: string): Promise<string> {
    const res = await this.call(() => this.client.chat.getPermalink({ channel, message_ts: ts }));
    return String(res.permalink ?? '');
  }

  /** Opens a modal (views.open) with the trigger id of the click or shortcut that asked for it (valid for 3 s). */
  async openView(triggerId: string, view: ModalView): Promise<void> {
    await this.call(() => this.client.views.open({ trigger_id: triggerId, view: view as View }));
  }

  /** Uploads a file into a thread (files.getUploadURLExternal + upload + files.completeUploadExternal). */
  async upload(channel: string, threadTs: string, filename: string, content: string, title: string): Promise<void> {
    await this.call(() =>
      this.client.filesUploadV2({
        channel_id: channel,
        thread_ts: threadTs,
        filename,
        title,
        content: redactText(content),
      }),
    );
  }

  private async call<T extends { ok?: boolean; error?: string }>(fn: () => Promise<T>): Promise<T> {
    try {
      const res = await fn();
      if (res.ok === false) throw slackError(res.error ?? 'unknown', `Slack API error: ${res.error ?? 'unknown'}`);
      return res;
    } catch (err) {
      if (err instanceof AppError) throw err;
      const code = (err as { data?: { error?: unknown } }).data?.error;
      if (typeof code === 'string') throw slackError(code, `Slack API call failed: ${errorMessage(err)}`);
      throw new AppError('SLACK_API_FAILED', `Slack API call failed: ${errorMessage(err)}`);
    }
  }
}
