import type { Logger } from '../kernel/logger.js';

/** Where a slash command was typed and by whom. */
export interface CommandContext {
  user: string;
  channel: string;
  /** Present when Slack sends it (a command typed in a thread). */
  threadTs?: string | undefined;
}

/**
 * The quick half of a slash command: the text after the command in, the private reply out. The intakes implement
 * it; slack/transport registers one per command.
 */
export interface SlashHandler {
  handle(text: string, ctx: CommandContext, logger: Logger): Promise<string>;
}
