/**
 * Formats an ISO time for human readers (Slack text, postmortems) in UTC: `2026-11-23 14:02:11 UTC`.
 * `ifEmpty` is what a missing time reads as: nothing in Slack text, a dash in a postmortem table.
 */
export function utc(iso: string, ifEmpty = ''): string {
  return iso ? `${iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, '')} UTC` : ifEmpty;
}
