import type { Block, SlackMessage } from '../../../src/blocks/types.js';

/** Every text a message shows or notifies with: fallback, section text and fields, context, headers, buttons. */
export function allTexts(message: SlackMessage): string[] {
  return [message.text, ...message.blocks.flatMap(blockTexts)];
}

export function blockTexts(block: Block): string[] {
  switch (block.type) {
    case 'header':
      return [block.text.text];
    case 'section':
      return [...(block.text ? [block.text.text] : []), ...(block.fields ?? []).map((f) => f.text)];
    case 'context':
      return block.elements.map((e) => e.text);
    case 'actions':
      return block.elements.flatMap((b) => [b.text.text, b.value, ...(b.confirm ? [b.confirm.text.text] : [])]);
    case 'divider':
      return [];
  }
}

/** Slack's Block Kit limits, checked on a whole message. */
export function expectWithinSlackLimits(message: SlackMessage): void {
  if (message.blocks.length > 50) throw new Error(`${message.blocks.length} blocks`);
  for (const block of message.blocks) {
    if (block.type === 'section') {
      if ((block.text?.text.length ?? 0) > 3000) throw new Error(`section text of ${block.text?.text.length}`);
      if ((block.fields?.length ?? 0) > 10) throw new Error(`${block.fields?.length} fields`);
      for (const f of block.fields ?? []) if (f.text.length > 2000) throw new Error(`field of ${f.text.length}`);
    }
    if (block.type === 'header' && block.text.text.length > 150) throw new Error(`header of ${block.text.text.length}`);
    if (block.type === 'context') for (const e of block.elements) if (e.text.length > 3000) throw new Error('context');
  }
}

/** True when some mrkdwn text could notify a whole channel. */
export function couldPing(text: string): boolean {
  return /<!(channel|here|everyone)/i.test(text) || /@(channel|here|everyone)\b/i.test(text);
}
