/**
 * A small Prometheus text-format registry: counters the HTTP edge and workers bump, plus gauges read at scrape
 * time (queue depths, open incidents). Enough for `/metrics` without another dependency.
 */
export class Metrics {
  private readonly counters = new Map<string, { help: string; values: Map<string, number> }>();

  /** Declares a counter so it is exported (at 0) before the first event. */
  counter(name: string, help: string): void {
    if (!this.counters.has(name)) this.counters.set(name, { help, values: new Map() });
  }

  inc(name: string, labels: Record<string, string> = {}, by = 1): void {
    const c = this.counters.get(name);
    if (!c) throw new Error(`undeclared counter ${name}`);
    const key = formatLabels(labels);
    c.values.set(key, (c.values.get(key) ?? 0) + by);
  }

  /** Current value, for tests and the demo. */
  value(name: string, labels: Record<string, string> = {}): number {
    return this.counters.get(name)?.values.get(formatLabels(labels)) ?? 0;
  }

  render(
    gauges: Array<{
      name: string;
      help: string;
      values: Array<{ labels: Record<string, string>; value: number }>;
    }> = [],
  ): string {
    const lines: string[] = [];
    for (const [name, c] of this.counters) {
      lines.push(`# HELP ${name} ${c.help}`, `# TYPE ${name} counter`);
      if (c.values.size === 0) lines.push(`${name} 0`);
      for (const [labels, v] of c.values) lines.push(`${name}${labels} ${v}`);
    }
    for (const g of gauges) {
      lines.push(`# HELP ${g.name} ${g.help}`, `# TYPE ${g.name} gauge`);
      for (const v of g.values) lines.push(`${g.name}${formatLabels(v.labels)} ${v.value}`);
    }
    return `${lines.join('\n')}\n`;
  }
}

function formatLabels(labels: Record<string, string>): string {
  const entries = Object.entries(labels).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return '';
  return `{${entries.map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',')}}`;
}
