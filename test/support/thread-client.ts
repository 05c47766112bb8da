import {
  appMentionBody,
  blockActionBody,
  type ClickedElement,
  eventHeaders,
  messageActionBody,
  postSigned,
  viewSubmissionBody,
} from '../../src/devtools/slack-signer.js';
import type { StandInMessage, StandInView } from '../../src/devtools/slack-stand-in.js';
import { CHANNEL, type Harness, SIGNING_SECRET } from './bot-harness.js';

type Json = Record<string, unknown>;
interface CardElement {
  type: string;
  action_id: string;
  value?: string;
  options?: Array<{ text: { text: string }; value: string }>;
  initial_option?: { text: { text: string }; value: string };
  initial_user?: string;
}

let seq = 0;
/** A message ts of a person's message in the stand-in's channel (Slack's shape, never one the bot posted). */
export function peopleTs(): string {
  seq += 1;
  return `1800000000.${String(seq).padStart(6, '0')}`;
}

/**
 * A person using Slack against the harness's bot, the way Slack's clients send it: mentions as signed Events API
 * deliveries (with Slack's retries when asked), clicks on the controls the card really carries (block id, action
 * id, options read from the stand-in's copy of the card, `state.values` from its selects), modal submissions of
 * the views the bot opened, and the message shortcut.
 */
export class ThreadClient {
  /** Every request sent, by Slack payload type, with what the person typed (mention text, note, filed message). */
  readonly sent: Array<{ type: string; typed: string }> = [];

  constructor(private readonly h: Harness) {}

  private get url(): string {
    return `${this.h.url}/slack/events`;
  }

  /** The incident's card as it stands now. */
  card(incidentId: string): StandInMessage {
    const card = this.h.slack.messages().find((m) => m.threadTs === undefined && m.text.startsWith(`${incidentId} `));
    if (!card) throw new Error(`no card for ${incidentId}`);
    return card;
  }

  /** The card's controls: each element with the block it sits in. */
  controls(card: StandInMessage): Array<{ blockId: string; element: CardElement }> {
    return (card.blocks as Json[])
      .filter((b) => b.type === 'actions')
      .flatMap((b) => (b.elements as CardElement[]).map((element) => ({ blockId: String(b.block_id), element })));
  }

  /**
   * `@bot <text>` by `user` (in the thread `threadTs` when given). `retries` more deliveries of the same event
   * follow, re-signed with later timestamps and `X-Slack-Retry-Num` 1, 2, … as Slack sends them.
   */
  async mention(o: {
    user: string;
    text: string;
    threadTs?: string;
    retries?: number;
    botId?: string;
    channel?: string;
  }): Promise<{ eventId: string; ts: string; statuses: number[] }> {
    seq += 1;
    const eventId = `Ev0THREAD${Date.now()}${seq}`;
    const ts = peopleTs();
    const body = appMentionBody({
      eventId,
      user: o.user,
      text: `<@UBOT> ${o.text}`,
      channel: o.channel ?? CHANNEL,
      ts,
      ...(o.threadTs ? { threadTs: o.threadTs } : {}),
      ...(o.botId ? { botId: o.botId } : {}),
    });
    this.sent.push({ type: 'app_mention', typed: o.text });
    const statuses: number[] = [];
    const now = Math.floor(Date.now() / 1000);
    for (let n = 0; n <= (o.retries ?? 0); n += 1) {
      const res = await postSigned(this.url, SIGNING_SECRET, body, { timestamp: now + n, headers: eventHeaders(n) });
      statuses.push(res.status);
    }
    return { eventId, ts, statuses };
  }

  /**
   * Clicks the control `actionId` of a message (the card, a proposal) as `user`: a button as it is, a select choosing
   * the option of value `choose` (or the person `choose` in a user select), an overflow its option `choose`.
   */
  async click(card: StandInMessage, actionId: string, user: string, choose?: string) {
    const found = this.controls(card).find((c) => c.element.action_id === actionId);
    if (!found) throw new Error(`the card of ${card.text} has no control ${actionId}`);
    const { element, blockId } = found;
    const clicked = clickedElement(element, choose);
    // Slack sends the message's stateful elements as they stand with every click.
    const state: Record<string, Record<string, unknown>> = {};
    for (const c of this.controls(card)) {
      if (c.element.type === 'static_select' && c.element.initial_option) {
        state[c.blockId] ??= {};
        (state[c.blockId] as Json)[c.element.action_id] = {
          type: 'static_select',
          selected_option: c.element.initial_option,
        };
      }
    }
    const body = blockActionBody({
      actionId,
      element: clicked,
      userId: user,
      channel: card.channel,
      messageTs: card.ts,
      ...(card.threadTs ? { threadTs: card.threadTs } : {}),
      blockId,
      state,
    });
    this.sent.push({ type: 'block_actions', typed: '' });
    const res = await postSigned(this.url, SIGNING_SECRET, body);
    return { ...res, triggerId: (JSON.parse(new URLSearchParams(body).get('payload') ?? '{}') as Json).trigger_id };
  }

  /** Submits a modal the bot opened, `values` as block id → action id → value object. */
  async submit(view: StandInView, user: string, values: Record<string, Record<string, unknown>>) {
    this.sent.push({ type: 'view_submission', typed: JSON.stringify(values) });
    return postSigned(
      this.url,
      SIGNING_SECRET,
      viewSubmissionBody({
        userId: user,
        callbackId: String(view.view.callback_id),
        privateMetadata: String(view.view.private_metadata ?? ''),
        values,
        viewId: view.id,
        blocks: (view.view.blocks as unknown[]) ?? [],
      }),
    );
  }

  /** Runs the message shortcut `callbackId` on `message` as `user`. */
  async shortcut(
    callbackId: string,
    user: string,
    message: { ts: string; text: string; user?: string; bot_id?: string; thread_ts?: string },
    channel = CHANNEL,
  ) {
    this.sent.push({ type: 'message_action', typed: message.text });
    return postSigned(this.url, SIGNING_SECRET, messageActionBody({ callbackId, userId: user, channel, message }));
  }
}

function clickedElement(element: CardElement, choose?: string): ClickedElement {
  switch (element.type) {
    case 'button':
      return { type: 'button', value: element.value ?? '', label: element.action_id };
    case 'users_select':
      if (!choose) throw new Error('a user select needs the person chosen');
      return { type: 'users_select', selectedUser: choose };
    case 'static_select':
    case 'overflow': {
      const option = element.options?.find((o) => o.value === choose);
      if (!option) throw new Error(`${element.action_id} offers no option ${choose}`);
      return { type: element.type, selected: { value: option.value, text: option.text.text } };
    }
    default:
      throw new Error(`cannot click a ${element.type}`);
  }
}
