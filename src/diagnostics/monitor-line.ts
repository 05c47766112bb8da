/** One line of `MONITOR` output: `1700000000.123456 [0 127.0.0.1:50000] "GET" "key"`. */
export interface MonitorLine {
  /** Unix time in seconds, with microseconds. */
  time: number;
  db: number;
  /** `ip:port` of the client, `lua` for commands run by a script, `unix:/path` for a socket. */
  source: string;
  /** The command and its arguments, unescaped (the server prints them with C-style escapes). */
  args: string[];
}

const ESCAPES: Record<string, number> = { n: 10, r: 13, t: 9, a: 7, b: 8, '\\': 92, '"': 34 };

/**
 * Parses one MONITOR line (without the leading `+` and the CRLF). Arguments are quoted by the server with
 * `\"`, `\\`, `\n`, `\r`, `\t`, `\a`, `\b` and `\xHH` escapes; they are decoded byte by byte, then read as UTF-8.
 * Returns undefined for a line that is not in that format.
 */
export function parseMonitorLine(line: string): MonitorLine | undefined {
  const open = line.indexOf(' [');
  const close = line.indexOf('] ', open + 2);
  if (open <= 0 || close < 0) return undefined;
  const time = Number(line.slice(0, open));
  const inner = line.slice(open + 2, close);
  const space = inner.indexOf(' ');
  if (!Number.isFinite(time) || space <= 0) return undefined;
  const db = Number(inner.slice(0, space));
  const source = inner.slice(space + 1);
  const args: string[] = [];
  let i = close + 2;
  while (i < line.length) {
    if (line[i] === ' ') {
      i++;
      continue;
    }
    if (line[i] !== '"') return undefined;
    i++;
    const bytes: number[] = [];
    let closed = false;
    while (i < line.length) {
      const c = line[i]!;
      if (c === '"') {
        closed = true;
        i++;
        break;
      }
      if (c === '\\' && i + 1 < line.length) {
        const e = line[i + 1]!;
        if (e === 'x' && i + 3 < line.length) {
          const hex = Number.parseInt(line.slice(i + 2, i + 4), 16);
          if (!Number.isNaN(hex)) {
            bytes.push(hex);
            i += 4;
            continue;
          }
        }
        const mapped = ESCAPES[e];
        if (mapped !== undefined) {
          bytes.push(mapped);
          i += 2;
          continue;
        }
      }
      // Printable characters only reach here (the server escapes the rest); a multi-byte one is kept as UTF-8.
      for (const b of Buffer.from(c, 'utf8')) bytes.push(b);
      i++;
    }
    if (!closed) return undefined;
    args.push(Buffer.from(bytes).toString('utf8'));
  }
  if (!args.length || !Number.isFinite(db)) return undefined;
  return { time, db, source, args };
}

/** Where a command's first key is, from `COMMAND INFO`. */
export interface KeySpec {
  /** Index of the first key in the argument list (0 = no fixed position). */
  first: number;
  /** Keys found by parsing the arguments (EVAL, XREAD, ZUNION…), not at a fixed position. */
  movable: boolean;
  /** Container commands (`OBJECT FREQ`, `MEMORY USAGE`): the subcommand's own spec, by lowercase subcommand. */
  sub?: Map<string, KeySpec>;
}

function specOf(entry: unknown): { name: string; spec: KeySpec } | undefined {
  if (!Array.isArray(entry) || typeof entry[0] !== 'string') return undefined;
  const flags = Array.isArray(entry[2]) ? entry[2].map(String) : [];
  const spec: KeySpec = { first: Number(entry[3]) || 0, movable: flags.includes('movablekeys') };
  const subs = entry[9];
  if (Array.isArray(subs) && subs.length) {
    spec.sub = new Map();
    for (const s of subs) {
      const parsed = specOf(s);
      // Subcommands are named `container|sub`.
      if (parsed) spec.sub.set(parsed.name.slice(parsed.name.indexOf('|') + 1).toLowerCase(), parsed.spec);
    }
  }
  return { name: entry[0].toLowerCase(), spec };
}

/** Turns a `COMMAND INFO a b c` reply into key specs by lowercase command name (unknown commands are skipped). */
export function parseCommandInfo(reply: unknown): Map<string, KeySpec> {
  const out = new Map<string, KeySpec>();
  if (!Array.isArray(reply)) return out;
  for (const entry of reply) {
    const parsed = specOf(entry);
    if (parsed) out.set(parsed.name, parsed.spec);
  }
  return out;
}

/** Commands with no key, used when `COMMAND INFO` is unavailable (renamed or denied by an ACL). */
const KEYLESS = new Set(
  (
    'acl auth bgrewriteaof bgsave client cluster command config dbsize debug discard echo exec failover flushall ' +
    'flushdb function hello info keys lastsave latency lolwut memory module monitor multi object psubscribe psync ' +
    'publish punsubscribe quit randomkey readonly readwrite replconf replicaof reset role save scan script select ' +
    'shutdown slaveof slowlog spublish ssubscribe subscribe sunsubscribe swapdb sync time unsubscribe unwatch wait'
  ).split(' '),
);

function numKeysAt(args: string[], at: number): string | undefined {
  const n = Number(args[at]);
  return Number.isInteger(n) && n > 0 ? args[at + 1] : undefined;
}

/** Keys of commands whose keys move: EVAL/FCALL (numkeys), XREAD (after STREAMS), ZUNION/LMPOP (numkeys). */
function movableFirstKey(name: string, args: string[]): string | undefined {
  switch (name) {
    case 'eval':
    case 'evalsha':
    case 'eval_ro':
    case 'evalsha_ro':
    case 'fcall':
    case 'fcall_ro':
      return numKeysAt(args, 2);
    case 'xread':
    case 'xreadgroup': {
      const at = args.findIndex((a, i) => i > 0 && a.toLowerCase() === 'streams');
      return at > 0 ? args[at + 1] : undefined;
    }
    case 'zunion':
    case 'zinter':
    case 'zdiff':
    case 'zintercard':
    case 'sintercard':
    case 'lmpop':
    case 'zmpop':
      return numKeysAt(args, 1);
    case 'blmpop':
    case 'bzmpop':
      return numKeysAt(args, 2);
    default:
      return undefined;
  }
}

/**
 * The first key a command touches, or undefined for a command without keys. `specs` come from `COMMAND INFO`;
 * without them (an empty map) the second argument is taken as the key unless the command is known to have none.
 */
export function firstKey(args: readonly string[], specs: ReadonlyMap<string, KeySpec>): string | undefined {
  const name = args[0]?.toLowerCase();
  if (!name) return undefined;
  let spec = specs.get(name);
  if (!spec) {
    if (specs.size) return undefined;
    return KEYLESS.has(name) ? undefined : (movableFirstKey(name, [...args]) ?? args[1]);
  }
  const sub = spec.sub && args[1] !== undefined ? spec.sub.get(args[1].toLowerCase()) : undefined;
  if (sub) spec = sub;
  if (spec.first > 0) return args[spec.first];
  return spec.movable ? movableFirstKey(name, [...args]) : undefined;
}

const MAX_ARG_CHARS = 1024;

/**
 * The arguments that can hold a command's first key: fixed positions are at most 3 (EVAL's first key, BLMPOP's),
 * XREAD's come after STREAMS and are moved up front here.
 */
export function compactArgs(args: readonly string[]): string[] {
  const name = args[0]?.toLowerCase();
  let keep = args.slice(0, 4);
  if (name === 'xread' || name === 'xreadgroup') {
    const at = args.findIndex((a, i) => i > 0 && a.toLowerCase() === 'streams');
    keep = at > 0 ? [args[0]!, 'STREAMS', ...args.slice(at + 1, at + 2)] : [args[0]!];
  }
  return keep.map((a) => (a.length > MAX_ARG_CHARS ? `${a.slice(0, MAX_ARG_CHARS)}…` : a));
}
