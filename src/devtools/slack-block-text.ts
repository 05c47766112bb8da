/** Plain-text rendering of Block Kit blocks, as a reader sees them: used by the Slack stand-in to print threads. */

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function textOf(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  return isRecord(v) && typeof v.text === 'string' ? v.text : undefined;
}

/** Interactive elements as a reader sees them: buttons as `[Approve]`, menus by their placeholder. */
function elementLabel(el: unknown): string | undefined {
  if (!isRecord(el)) return undefined;
  if (el.type === 'button') return `[${textOf(el.text) ?? 'button'}]`;
  if (el.type === 'image') return `[image: ${String(el.alt_text ?? '')}]`;
  if (typeof el.type === 'string' && el.type.endsWith('select')) return `[${textOf(el.placeholder) ?? el.type} ▾]`;
  return textOf(el);
}

function richText(v: unknown): string {
  if (Array.isArray(v)) return v.map(richText).join('');
  if (!isRecord(v)) return '';
  if (typeof v.text === 'string') return v.text;
  return richText(v.elements);
}

/** The lines one block shows: section text and fields, context, buttons as `[Approve]`, dividers as `---`. */
export function blockLines(block: unknown): string[] {
  if (!isRecord(block)) return [];
  const elements = Array.isArray(block.elements) ? block.elements : [];
  switch (block.type) {
    case 'header':
    case 'section': {
      const fields = (Array.isArray(block.fields) ? block.fields : []).map(textOf).filter((f) => f !== undefined);
      return [textOf(block.text), fields.length > 0 ? fields.join(' | ') : undefined, elementLabel(block.accessory)]
        .filter((l) => l !== undefined)
        .flatMap((l) => l.split('\n'));
    }
    case 'context':
      return [elements.map((e) => elementLabel(e) ?? '').join(' · ')];
    case 'actions':
      return [elements.map((e) => elementLabel(e) ?? '').join(' ')];
    case 'divider':
      return ['---'];
    case 'image':
      return [elementLabel(block) ?? '[image]'];
    case 'rich_text':
      return richText(elements).split('\n');
    default:
      return [`[${String(block.type)} block]`];
  }
}
