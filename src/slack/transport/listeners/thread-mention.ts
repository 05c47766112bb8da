import type { App } from '@slack/bolt';
import type { ThreadCommands } from '../../../commands/thread/thread-commands.js';
import type { Logger } from '../../../kernel/logger.js';
import { answerPrivately, type PrivateAnswers, servePrivately } from './answer-privately.js';

/** The event type this listener subscribes to (declared in the manifest's bot events). */
export const MENTION_EVENT = 'app_mention';

/**
 * The text of a mention without the bot's own `<@UBOT>` (wherever it stands); when the bot's id is unknown, a
 * leading mention is taken to be it.
 */
export function mentionText(text: string, botUserId?: string): string {
  if (botUserId) return text.replace(new RegExp(`[ \\t]*<@${botUserId}(?:\\|[^>]*)?>[ \\t]*`, 'g'), ' ').trim();
  return text.replace(/^\s*<@[UW][A-Z0-9]+(?:\|[^>]*)?>/, '').trim();
}

interface MentionEvent {
  user?: string;
  text?: string;
  channel?: string;
  ts?: string;
  thread_ts?: string;
  bot_id?: string;
  subtype?: string;
}

/**
 * `@bot …` in a thread acts on that thread's incident. Bolt acks Events API deliveries before any middleware; the
 * replay guard then drops Slack's retries (same event_id), so a slow answer is never served twice. Messages of bots
 * (this one included) are ignored. The answer is private, in the thread.
 */
export function registerThreadMention(app: App, thread: ThreadCommands, notifier: PrivateAnswers, logger: Logger) {
  app.event(MENTION_EVENT, async ({ event, context, body }) => {
    const e = event as MentionEvent;
    if (e.bot_id || e.subtype === 'bot_message' || !e.user || !e.channel) return;
    const botUserId =
      context.botUserId ?? (body as { authorizations?: Array<{ user_id?: string }> }).authorizations?.[0]?.user_id;
    if (e.user === botUserId) return;
    const to = { user: e.user, channel: e.channel, threadTs: e.thread_ts };
    const log = logger.child({ surface: 'mention', user: e.user });
    await servePrivately(notifier, to, log, async () => {
      const reply = await thread.mention(
        mentionText(e.text ?? '', botUserId),
        { user: e.user ?? '', channel: e.channel ?? '', threadTs: e.thread_ts, via: 'mention' },
        log,
        botUserId,
      );
      await answerPrivately(notifier, to, reply.text, log);
    });
  });
}
