import type { ActionElement, Block, SlackMessage } from '../../../src/blocks/types.js';

/** Every text a message shows or notifies with: fallback, section text and fields, context, headers, buttons. */
export function allTexts(message: SlackMessage): string[] {
  return [message.text, ...message.blocks.flatMap(blockTexts)];
}

function elementTexts(e: ActionElement): string[] {
  if (e.type === 'button') return [e.text.text, e.value, ...(e.confirm ? [e.confirm.text.text] : [])];
  if (e.type === 'users_select') return [e.placeholder.text];
  if (e.type === 'overflow') return e.options.map((o) => o.text.text);
  return [e.placeholder.text, ...e.options.map((o) => o.text.text)];
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
      return block.elements.flatMap(elementTexts);
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
    if (block.type === 'actions') {
      if (block.elements.length > 25) throw new Error(`${block.elements.length} elements in an actions block`);
      const ids = block.elements.map((e) => e.action_id);
      if (new Set(ids).size !== ids.length) throw new Error(`duplicate action ids in a block: ${ids.join(', ')}`);
      for (const e of block.elements) {
        if (e.type === 'button' && (e.text.text.length > 75 || e.value.length > 2000)) throw new Error('button');
        if (e.type === 'button' && e.confirm && e.confirm.text.text.length > 300) throw new Error('confirm text');
        if (e.type === 'static_select' || e.type === 'overflow') {
          if (e.options.length > (e.type === 'overflow' ? 5 : 100)) throw new Error(`${e.options.length} options`);
          for (const o of e.options) {
            if (o.text.text.length > 75 || o.value.length > 150) throw new Error(`option ${o.text.text}`);
          }
        }
        if (e.type === 'static_select' && e.initial_option) {
          const init = e.initial_option;
          if (!e.options.some((o) => o.value === init.value && o.text.text === init.text.text)) {
            throw new Error('initial_option is not one of the options');
          }
        }
      }
    }
  }
}

/** True when some mrkdwn text could notify a whole channel. */
export function couldPing(text: string): boolean {
  return /<!(channel|here|everyone)/i.test(text) || /@(channel|here|everyone)\b/i.test(text);
}
