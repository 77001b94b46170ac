/**
 * The dashboard: mail per day by intent and by disposition (bar charts drawn here as inline SVG: the CSP
 * allows no script), the share answered automatically, the hand-off backlog and its oldest age, and how often
 * people corrected the classifier per intent.
 */
import type { Folder } from "../../db/console.ts";
import type { CorrectionRow, DailyRow, DashboardSummary } from "../../db/console_dashboard.ts";
import { Layout, type LayoutProps } from "./layout.tsx";
import { age } from "./text.ts";

/** What the dashboard shows. */
export interface DashboardProps {
  days: number;
  daily: DailyRow[];
  summary: DashboardSummary;
  corrections: CorrectionRow[];
  counts: Record<Folder, number>;
  session: NonNullable<LayoutProps["session"]>;
  now: Date;
}

/** Series colours, in the order of the legend (readable on white, distinct in grey scale too). */
const INTENT_COLOURS: Record<string, string> = {
  send_info: "#2f6fb0",
  create_account: "#3a9a5b",
  speak_to_human: "#c0632b",
  unknown: "#8a8f98",
  reserved: "#b8b8b8",
};
const DISPOSITION_COLOURS: Record<string, string> = {
  answered: "#3a9a5b",
  with_person: "#c0632b",
  filtered: "#8a8f98",
  pending: "#d9b44a",
};

/** The days of the window, oldest first, as YYYY-MM-DD (UTC). */
export function windowDays(days: number, now: Date): string[] {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return Array.from({ length: days }, (_, i) => new Date(today - (days - 1 - i) * 86_400_000))
    .map((d) => d.toISOString().slice(0, 10));
}

function percent(part: number, whole: number): string {
  return whole === 0 ? "–" : `${Math.round((part / whole) * 1000) / 10} %`;
}

/** The dashboard page. */
export function DashboardPage(p: DashboardProps) {
  const s = p.summary;
  const human = s.total - s.filtered;
  const days = windowDays(p.days, p.now);
  return (
    <Layout title="Dashboard" session={p.session} counts={p.counts} current="dashboard">
      <h1>Dashboard</h1>
      <form class="search" method="get" action="/dashboard">
        <label>
          last{" "}
          <select name="days" aria-label="Days">
            {[7, 14, 30, 90].map((d) => <option key={d} value={d} selected={d === p.days}>{d} days</option>)}
          </select>
        </label>
        <button type="submit">Show</button>
      </form>
      <dl class="facts dashboard">
        <dt>Emails</dt>
        <dd>{s.total} in {p.days} days ({s.filtered} filtered)</dd>
        <dt>Answered automatically</dt>
        <dd>
          <strong>{percent(s.answered, human)}</strong> of the mail that was not filtered ({s.answered} of
          {" "}
          {human})
        </dd>
        <dt>With a person</dt>
        <dd>{s.with_person} handed off, {s.pending} not settled yet</dd>
        <dt>Hand-off backlog</dt>
        <dd>
          <a href="/folders/needs_person">{s.backlog} waiting</a>
          {s.oldest && <>, the oldest for {age(s.oldest, p.now)}</>}
        </dd>
      </dl>
      <h2>Mail per day by intent</h2>
      <BarChart days={days} rows={p.daily} by="intent" colours={INTENT_COLOURS} label="by intent" />
      <h2>Mail per day by disposition</h2>
      <BarChart
        days={days}
        rows={p.daily}
        by="disposition"
        colours={DISPOSITION_COLOURS}
        label="by disposition"
      />
      <h2>Corrections of the classifier, per intent it had decided</h2>
      {p.corrections.length === 0
        ? <p class="muted">No corrections or confirmations in this window.</p>
        : (
          <table class="corrections">
            <thead>
              <tr>
                <th>Decided intent</th>
                <th class="num">Corrected</th>
                <th class="num">Confirmed</th>
                <th class="num">Corrected share</th>
                <th>Corrected to</th>
              </tr>
            </thead>
            <tbody>
              {p.corrections.map((c) => (
                <tr key={c.intent}>
                  <td>{c.intent}</td>
                  <td class="num">{c.corrections}</td>
                  <td class="num">{c.confirmations}</td>
                  <td class="num">{percent(c.corrections, c.corrections + c.confirmations)}</td>
                  <td>{c.corrected_to}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
    </Layout>
  );
}

const CHART = { width: 760, height: 200, left: 36, bottom: 22, top: 8 };

/** Stacked bars per day, with a y axis, day labels and a legend; a <title> on each bar for its count. */
function BarChart(
  p: {
    days: string[];
    rows: DailyRow[];
    by: "intent" | "disposition";
    colours: Record<string, string>;
    label: string;
  },
) {
  const series = Object.keys(p.colours);
  const perDay = new Map<string, Record<string, number>>(p.days.map((d) => [d, {}]));
  for (const r of p.rows) {
    const key = r[p.by];
    const day = perDay.get(r.day);
    if (key !== null && day) day[key] = (day[key] ?? 0) + r.n;
  }
  const totals = p.days.map((d) => Object.values(perDay.get(d)!).reduce((a, b) => a + b, 0));
  const max = Math.max(1, ...totals);
  const plotH = CHART.height - CHART.top - CHART.bottom;
  const slot = (CHART.width - CHART.left) / p.days.length;
  const barW = Math.max(2, slot * 0.7);
  const y = (v: number) => CHART.top + plotH - (v / max) * plotH;
  const labelEvery = Math.ceil(p.days.length / 14);
  return (
    <figure class="chart">
      <svg
        viewBox={`0 0 ${CHART.width} ${CHART.height}`}
        width="100%"
        role="img"
        aria-label={`Emails per day ${p.label}`}
      >
        <line x1={CHART.left} y1={y(0)} x2={CHART.width} y2={y(0)} stroke="#999" />
        {[...new Set([0, Math.round(max / 2), max])].map((v) => (
          <text key={v} x={CHART.left - 4} y={y(v) + 4} text-anchor="end" font-size="11" fill="#555">
            {Math.round(v)}
          </text>
        ))}
        {p.days.map((d, i) => {
          let base = 0;
          const x = CHART.left + i * slot + (slot - barW) / 2;
          return (
            <g key={d}>
              {series.map((k) => {
                const n = perDay.get(d)![k] ?? 0;
                if (n === 0) return null;
                const rect = (
                  <rect
                    key={k}
                    x={x}
                    y={y(base + n)}
                    width={barW}
                    height={y(base) - y(base + n)}
                    fill={p.colours[k]}
                  >
                    <title>{`${d}: ${n} ${k}`}</title>
                  </rect>
                );
                base += n;
                return rect;
              })}
              {i % labelEvery === 0 && (
                <text x={x + barW / 2} y={CHART.height - 6} text-anchor="middle" font-size="10" fill="#555">
                  {d.slice(5)}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <figcaption class="legend">
        {series.map((k) => (
          <span key={k}>
            <svg width="10" height="10" aria-hidden="true">
              <rect width="10" height="10" fill={p.colours[k]} />
            </svg>{" "}
            {k}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
