import type { ChainableCommander } from 'ioredis';
import { z } from 'zod';
import type { SlackMessage } from '../blocks/types.js';

// Keys become parts of Redis keys and of Slack message metadata: printable, no spaces, bounded.
const StableKeySchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\x21-\x7e]+$/, 'a stable key is printable ASCII without spaces');

// `card:<incidentId>` is where the card's own ts is recorded, so a post may not take that name.
const PostKeySchema = StableKeySchema.refine((k) => !k.startsWith('card:'), 'post keys may not start with card:');

const SlackMessageSchema = z.object({
  text: z.string(),
  blocks: z.array(z.record(z.string(), z.unknown())),
});

/**
 * The incident's root card, rendered from state when it is delivered: posted while it has no `ts`, updated after.
 * Owing it again while one is pending only marks it dirty, so the latest state wins.
 */
export const CardEffectSchema = z.object({ kind: z.literal('card'), incidentId: StableKeySchema });

/**
 * A message posted exactly once under a stable `key` (e.g. `findings:INC-3:<diagnosisId>`), its `ts` recorded.
 * In an incident's thread (`incidentId`) or at the top of a `channel`. Without `message` it is rendered with
 * `renderMessage(key)` when delivered.
 */
export const PostEffectSchema = z.union([
  z.object({
    kind: z.literal('post'),
    key: PostKeySchema,
    incidentId: StableKeySchema,
    message: SlackMessageSchema.optional(),
  }),
  z.object({
    kind: z.literal('post'),
    key: PostKeySchema,
    channel: StableKeySchema,
    message: SlackMessageSchema.optional(),
  }),
]);

/** An update of the message posted under `key`, rendered with `renderMessage(key)` when delivered; coalesced. */
export const RedrawEffectSchema = z.object({ kind: z.literal('redraw'), key: StableKeySchema });

export const EffectSchema = z.union([CardEffectSchema, PostEffectSchema, RedrawEffectSchema]);

/** A Slack effect a state change owes; see each schema. `message` blocks are the bot's own Block Kit types. */
export type Effect =
  | z.infer<typeof CardEffectSchema>
  | { kind: 'post'; key: string; incidentId: string; message?: SlackMessage }
  | { kind: 'post'; key: string; channel: string; message?: SlackMessage }
  | z.infer<typeof RedrawEffectSchema>;

export type EffectKind = Effect['kind'];
export const EFFECT_KINDS: readonly EffectKind[] = ['card', 'post', 'redraw'];

/** Where a posted (or card) message lives, as recorded under its key. */
export interface SentMessage {
  channel: string;
  ts: string;
}

export const SentMessageSchema = z.object({ channel: z.string(), ts: z.string() });

/** The key an incident's root card is recorded under: `outbox.ts(cardKey('INC-3'))` is its thread ts. */
export function cardKey(incidentId: string): string {
  return `card:${incidentId}`;
}

/** Parses a stored message back (it was validated when owed). */
export function parseStoredMessage(json: string): SlackMessage {
  return SlackMessageSchema.parse(JSON.parse(json)) as SlackMessage;
}

/**
 * Where state changes record the Slack effects they owe (slack/delivery's Outbox implements it; its Deliverer makes
 * Slack match). `owe` adds the effect to the caller's MULTI so it commits with the change; owing is idempotent.
 */
export interface OwedEffects {
  owe(multi: ChainableCommander, effect: Effect): ChainableCommander;
  oweNow(effect: Effect): Promise<number>;
  /** Where the message delivered under `key` is, once it is. */
  ts(key: string): Promise<SentMessage | undefined>;
}
