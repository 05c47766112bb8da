/** Slack's limits (api.slack.com/reference/block-kit/blocks). */
export const LIMITS = {
  sectionText: 3000,
  field: 2000,
  blocks: 50,
  fields: 10,
  buttonValue: 2000,
  plainText: 150,
} as const;

/**
 * Escapes untrusted text for mrkdwn: `&<>` become entities, so `<!channel>`, `<@U…>` or `<http://…|x>` in an alert
 * render as text; bare `@channel`/`@here`/`@everyone` get a zero-width joiner so no client turns them into a ping.
 */
export function escapeText(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/@(channel|here|everyone)\b/gi, '@\u200b$1');
}

/** Cuts text to `max` characters, marking the cut. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}

/** Escapes, then truncates (so an entity is never cut in half beyond the limit). */
export function safe(text: string, max: number = LIMITS.sectionText): string {
  const escaped = escapeText(text);
  if (escaped.length <= max) return escaped;
  // Cut on the raw text and escape again so no `&amp;` is split.
  let raw = text.slice(0, max);
  // One raw character escapes to at most 5 (`&amp;`), so dropping a fifth of the excess never cuts far below max.
  for (let over = escapeText(raw).length - (max - 1); raw && over > 0; over = escapeText(raw).length - (max - 1)) {
    raw = raw.slice(0, -Math.ceil(over / 5));
  }
  return `${escapeText(raw)}…`;
}
