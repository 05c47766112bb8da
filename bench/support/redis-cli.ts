/** Reading what `redis-cli --memkeys` / `--hotkeys` (7.0) print. */

/** One key as redis-cli reports it. */
export interface CliKey {
  key: string;
  type?: string;
  bytes?: number;
  freq?: number;
}

/** redis-cli prints keys through sdscatrepr: `'"user:1"'`, with C escapes for unprintable bytes. */
export function unrepr(s: string): string {
  if (!(s.startsWith('"') && s.endsWith('"'))) return s;
  const esc: Record<string, string> = { n: '\n', r: '\r', t: '\t', a: '\x07', b: '\b', '"': '"', '\\': '\\' };
  return s
    .slice(1, -1)
    .replace(/\\x([0-9a-fA-F]{2})|\\(.)/g, (_, hex: string | undefined, c: string) =>
      hex ? String.fromCharCode(Number.parseInt(hex, 16)) : (esc[c] ?? c),
    );
}

/** The summary of `--memkeys`: `Biggest   list found '"q"' has 144 bytes`, one per type. */
export function parseMemkeys(out: string): CliKey[] {
  return [...out.matchAll(/^Biggest\s+(\S+) found '(.*)' has (\d+) bytes$/gm)].map((m) => ({
    type: m[1]!,
    key: unrepr(m[2]!),
    bytes: Number(m[3]),
  }));
}

/** The summary of `--hotkeys`: `hot key found with counter: 26\tkeyname: "hot"`, hottest first. */
export function parseHotkeys(out: string): CliKey[] {
  return [...out.matchAll(/^hot key found with counter: (\d+)\s+keyname: (.*)$/gm)].map((m) => ({
    key: unrepr(m[2]!.trim()),
    freq: Number(m[1]),
  }));
}
