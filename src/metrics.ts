/**
 * Process metrics in the Prometheus text format: counters and one latency histogram, kept in memory by this
 * process (each instance is scraped on its own, as Prometheus expects), plus gauges read from the database at
 * scrape time (jobs by state, the oldest runnable job), which hold for every instance together.
 */

type Labels = Record<string, string>;

interface Series {
  help: string;
  type: "counter" | "histogram";
  values: Map<string, number>;
}

/** Latency buckets in seconds: an LLM answers in 0.2–5 s, a timeout is 20 s. */
const BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30];

const series = new Map<string, Series>();

function key(labels: Labels): string {
  return Object.keys(labels).sort().map((k) => `${k}="${escape(labels[k])}"`).join(",");
}

function escape(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function get(name: string, help: string, type: Series["type"]): Series {
  let s = series.get(name);
  if (!s) series.set(name, s = { help, type, values: new Map() });
  return s;
}

/** Adds `by` (default 1) to a counter. */
export function count(name: string, help: string, labels: Labels = {}, by = 1): void {
  const s = get(name, help, "counter");
  const k = key(labels);
  s.values.set(k, (s.values.get(k) ?? 0) + by);
}

/** Records one observation (in seconds) in a histogram. */
export function observe(name: string, help: string, seconds: number, labels: Labels = {}): void {
  const s = get(name, help, "histogram");
  const base = key(labels);
  const join = (extra: string) => [base, extra].filter(Boolean).join(",");
  for (const b of BUCKETS) {
    if (seconds <= b) s.values.set(join(`le="${b}"`), (s.values.get(join(`le="${b}"`)) ?? 0) + 1);
  }
  s.values.set(join(`le="+Inf"`), (s.values.get(join(`le="+Inf"`)) ?? 0) + 1);
  s.values.set(`sum|${base}`, (s.values.get(`sum|${base}`) ?? 0) + seconds);
  s.values.set(`count|${base}`, (s.values.get(`count|${base}`) ?? 0) + 1);
}

/** A gauge computed at scrape time. */
export interface Gauge {
  name: string;
  help: string;
  values: { labels: Labels; value: number }[];
}

/** The exposition text: every counter and histogram of this process, then `gauges`. */
export function renderMetrics(gauges: Gauge[] = []): string {
  const lines: string[] = [];
  for (const [name, s] of [...series.entries()].sort()) {
    lines.push(`# HELP ${name} ${s.help}`, `# TYPE ${name} ${s.type}`);
    for (const [k, v] of s.values) {
      if (s.type === "counter") lines.push(`${name}${k ? `{${k}}` : ""} ${v}`);
      else if (k.startsWith("sum|")) lines.push(`${name}_sum${braces(k.slice(4))} ${v}`);
      else if (k.startsWith("count|")) lines.push(`${name}_count${braces(k.slice(6))} ${v}`);
      else lines.push(`${name}_bucket{${k}} ${v}`);
    }
  }
  for (const g of gauges) {
    lines.push(`# HELP ${g.name} ${g.help}`, `# TYPE ${g.name} gauge`);
    for (const v of g.values) lines.push(`${g.name}${braces(key(v.labels))} ${v.value}`);
  }
  return lines.join("\n") + "\n";
}

function braces(k: string): string {
  return k ? `{${k}}` : "";
}

/** Forgets every series (tests). */
export function resetMetrics(): void {
  series.clear();
}
