import type { StandInMessage } from './slack-stand-in.js';

/** Every text in a message's blocks (sections, fields, context, headers), joined: what a reader sees. */
export function messageText(m: StandInMessage): string {
  const out: string[] = [m.text];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'text' && typeof x === 'string') out.push(x);
        else walk(x);
      }
    }
  };
  walk(m.blocks);
  return out.join('\n');
}

/** The proposal id carried by a message's Approve button, if it has one. */
export function approveButtonValue(m: StandInMessage): string | undefined {
  for (const b of m.blocks as Array<{ type?: string; elements?: Array<{ action_id?: string; value?: string }> }>) {
    const button = b.type === 'actions' ? b.elements?.find((e) => e.action_id === 'proposal_approve') : undefined;
    if (button?.value) return button.value;
  }
  return undefined;
}
