/** Removes credentials from a Redis URL before it is shown in Slack or a log: `redis://:***@host:6379`. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    // ioredis also reads the password from the query string (`redis://host?password=…`).
    if (u.searchParams.has('password')) u.searchParams.set('password', '***');
    return u.toString().replace(/\/$/, '');
  } catch {
    return redactText(url);
  }
}

/**
 * Strips anything that looks like a secret from free text (e.g. error messages that echo a URL). Also used on
 * JSON-encoded messages, so a match never runs past a quote, backslash or angle bracket.
 */
export function redactText(text: string): string {
  return (
    text
      // Up to the last `@` of the authority: a password may itself contain `@`.
      .replace(/(rediss?:\/\/)[^\s/"'<>\\]*@/g, '$1***@')
      .replace(/([?&]password=)[^&#\s"'<>\\]*/gi, '$1***')
      .replace(/xox[abpr]-[A-Za-z0-9-]+/g, 'xox?-***')
      .replace(/xapp-[A-Za-z0-9-]+/g, 'xapp-***')
  );
}
