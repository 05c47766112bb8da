import type { AuthorizeResult } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { AppError, errorMessage } from '../../kernel/errors.js';
import { PERMANENT_SLACK_ERRORS } from './slack-notifier.js';

/** Who the bot is in its workspace, as `auth.test` says. */
export interface BotIdentityInfo {
  botId: string;
  botUserId: string;
}

/**
 * The bot's identity, asked of Slack once (`auth.test`) and kept: Bolt, given a token but no bot id, calls
 * `auth.test` before every request it serves (measured: 61 calls for 60 commands), which spends the 3 s ack budget
 * on a Web API round trip. Bolt gets `authorize` instead, which answers from here. A failed look-up is forgotten, so
 * the next request asks again instead of failing forever.
 */
export class BotIdentity {
  private pending: Promise<BotIdentityInfo> | undefined;

  constructor(
    private readonly client: WebClient,
    private readonly token: string,
  ) {}

  /** One `auth.test` for every caller, concurrent ones included; AppError `SLACK_API_REFUSED` on a dead token. */
  resolve(): Promise<BotIdentityInfo> {
    this.pending ??= this.lookUp().catch((err: unknown) => {
      this.pending = undefined;
      throw err;
    });
    return this.pending;
  }

  /** Bolt's `authorize` for a single workspace: the bot token and the cached identity, no Web API call. */
  readonly authorize = async (): Promise<AuthorizeResult> => ({ botToken: this.token, ...(await this.resolve()) });

  private async lookUp(): Promise<BotIdentityInfo> {
    let res: Awaited<ReturnType<WebClient['auth']['test']>>;
    try {
      res = await this.client.auth.test({ token: this.token });
    } catch (err) {
      const code = (err as { data?: { error?: unknown } }).data?.error;
      if (typeof code === 'string' && PERMANENT_SLACK_ERRORS.has(code)) {
        throw new AppError(
          'SLACK_API_REFUSED',
          `SLACK_BOT_TOKEN: Slack refused it (${code}); copy the Bot User OAuth Token (xoxb-…) from the app's OAuth & Permissions page`,
          { slackError: code },
        );
      }
      throw new AppError('SLACK_API_FAILED', `auth.test failed: ${errorMessage(err)}`);
    }
    if (!res.bot_id || !res.user_id) {
      throw new AppError(
        'SLACK_API_REFUSED',
        'SLACK_BOT_TOKEN: auth.test names no bot for this token; it must be a bot token (xoxb-…), not a user token',
      );
    }
    return { botId: res.bot_id, botUserId: res.user_id };
  }
}
