/**
 * Threshold expressions in runbooks: comparisons of probe metrics joined by `and` / `or`, with parentheses.
 * `fragmentation.ratio > 1.5 and fragmentation.bytes > 10485760`. A missing metric makes its comparison false,
 * so a threshold never fires on a figure that was not measured.
 */

export type Operand =
  | { kind: 'metric'; name: string }
  | { kind: 'number'; value: number }
  | { kind: 'string'; value: string };
export type Comparison = { kind: 'cmp'; op: '>' | '>=' | '<' | '<=' | '==' | '!='; left: Operand; right: Operand };
export type Expr = Comparison | { kind: 'and' | 'or'; left: Expr; right: Expr };

export class ExpressionError extends Error {}

const TOKEN =
  /\s*(>=|<=|==|!=|>|<|\(|\)|-?\d+(?:\.\d+)?|"[^"]*"|'[^']*'|[a-z_][a-z0-9_]*(?:\.[a-z0-9_]+)+|and\b|or\b|\S+)/iy;

function tokenize(src: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < src.length) {
    const m = TOKEN.exec(src);
    if (!m) break;
    if (m[1] !== undefined) tokens.push(m[1]);
  }
  return tokens;
}

/** Parses an expression or throws ExpressionError saying what was wrong and where. */
export function parseExpression(src: string): Expr {
  const tokens = tokenize(src);
  let pos = 0;
  const peek = () => tokens[pos];
  const next = () => tokens[pos++];

  const operand = (): Operand => {
    const t = next();
    if (t === undefined) throw new ExpressionError(`unexpected end of "${src}"`);
    if (/^-?\d/.test(t)) return { kind: 'number', value: Number(t) };
    if (/^["']/.test(t)) {
      // An unclosed quote reaches here as a bare word: refuse it rather than drop its last character.
      if (t.length < 2 || t.at(-1) !== t[0]) throw new ExpressionError(`unterminated string ${t} in "${src}"`);
      return { kind: 'string', value: t.slice(1, -1) };
    }
    if (/^[a-z_][a-z0-9_]*(\.[a-z0-9_]+)+$/i.test(t)) return { kind: 'metric', name: t };
    throw new ExpressionError(`"${t}" is not a metric (probe.metric), a number or a quoted string in "${src}"`);
  };

  const primary = (): Expr => {
    if (peek() === '(') {
      next();
      const e = or();
      if (next() !== ')') throw new ExpressionError(`missing ")" in "${src}"`);
      return e;
    }
    const left = operand();
    const op = next();
    if (op !== '>' && op !== '>=' && op !== '<' && op !== '<=' && op !== '==' && op !== '!=') {
      throw new ExpressionError(`expected a comparison operator after ${describe(left)} in "${src}"`);
    }
    return { kind: 'cmp', op, left, right: operand() };
  };

  const and = (): Expr => {
    let e = primary();
    while (peek()?.toLowerCase() === 'and') {
      next();
      e = { kind: 'and', left: e, right: primary() };
    }
    return e;
  };

  function or(): Expr {
    let e = and();
    while (peek()?.toLowerCase() === 'or') {
      next();
      e = { kind: 'or', left: e, right: and() };
    }
    return e;
  }

  const e = or();
  if (pos < tokens.length) throw new ExpressionError(`unexpected "${tokens[pos]}" in "${src}"`);
  return e;
}

function describe(o: Operand): string {
  return o.kind === 'metric' ? o.name : JSON.stringify(o.value);
}

/** Names of every metric an expression reads. */
export function metricsOf(e: Expr): string[] {
  if (e.kind === 'cmp') {
    return [e.left, e.right].flatMap((o) => (o.kind === 'metric' ? [o.name] : []));
  }
  return [...metricsOf(e.left), ...metricsOf(e.right)];
}

export type Metrics = Record<string, number | string>;

function value(o: Operand, metrics: Metrics): number | string | undefined {
  if (o.kind === 'metric') return metrics[o.name];
  return o.value;
}

/** Evaluates against measured metrics; comparisons with a missing metric are false. */
export function evaluate(e: Expr, metrics: Metrics): boolean {
  switch (e.kind) {
    case 'and':
      return evaluate(e.left, metrics) && evaluate(e.right, metrics);
    case 'or':
      return evaluate(e.left, metrics) || evaluate(e.right, metrics);
    case 'cmp': {
      const l = value(e.left, metrics);
      const r = value(e.right, metrics);
      if (l === undefined || r === undefined) return false;
      if (e.op === '==') return String(l) === String(r);
      if (e.op === '!=') return String(l) !== String(r);
      const ln = Number(l);
      const rn = Number(r);
      if (Number.isNaN(ln) || Number.isNaN(rn)) return false;
      if (e.op === '>') return ln > rn;
      if (e.op === '>=') return ln >= rn;
      if (e.op === '<') return ln < rn;
      return ln <= rn;
    }
  }
}

/** Fills `{metric.name}` placeholders with measured values; unknown ones become `?`. */
export function renderTemplate(template: string, metrics: Metrics): string {
  return template.replace(/\{([a-z_][a-z0-9_]*(?:\.[a-z0-9_]+)+)\}/gi, (_, name: string) => {
    const v = metrics[name];
    if (v === undefined) return '?';
    // 92.9 rather than 92.90: two decimals at most, no trailing zeros.
    return typeof v === 'number' && !Number.isInteger(v) ? String(Number(v.toFixed(2))) : String(v);
  });
}
