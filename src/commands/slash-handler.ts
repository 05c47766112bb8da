import type { Logger } from '../kernel/logger.js';

/**
 * Where a command came from: a slash command typed in a channel, or one of the thread's surfaces (an `@bot`
 * mention, a control on the card, the note modal, the "Add to incident timeline" shortcut). The timeline says which.
 */
export type CommandSurface = 'slash' | 'mention' | 'card' | 'modal' | 'shortcut';

/** Where a command was given and by whom. */
export interface CommandContext {
  user: string;
  channel: string;
  /** The thread it came from, when the surface has one (mentions, card controls; never a slash command). */
  threadTs?: string | undefined;
  /** The incident the surface is already about (the card's, the thread's): no lookup, no guessing. */
  incidentId?: string | undefined;
  /** Default `slash`. */
  via?: CommandSurface | undefined;
}

/** What the person who gave a command is told privately; `ok: false` when nothing was done. */
export interface CommandReply {
  ok: boolean;
  text: string;
}

/**
 * The quick half of a slash command: the text after the command in, the private reply out. The intakes implement
 * it; slack/transport registers one per command.
 */
export interface SlashHandler {
  handle(text: string, ctx: CommandContext, logger: Logger): Promise<string>;
}

/** How a command is named on the timeline: `/incident export md` when typed, `export md (card)` from a surface. */
export function commandLabel(command: string, words: string, ctx: CommandContext): string {
  const via = ctx.via ?? 'slash';
  if (via === 'slash') return `${command} ${words}`;
  const how = { mention: '@mention', card: 'the card', modal: 'the card', shortcut: 'the shortcut' }[via];
  return `${words} (from ${how})`;
}
