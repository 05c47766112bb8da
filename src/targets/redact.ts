/** Removes credentials from a Redis URL before it is shown in Slack or a log: `redis://:***@host:6379`. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}

/** Strips anything that looks like a secret from free text (e.g. error messages that echo a URL). */
export function redactText(text: string): string {
  return text
    .replace(/(rediss?:\/\/)([^@\s/]*)@/g, '$1***@')
    .replace(/xox[abpr]-[A-Za-z0-9-]+/g, 'xox?-***')
    .replace(/xapp-[A-Za-z0-9-]+/g, 'xapp-***');
}
