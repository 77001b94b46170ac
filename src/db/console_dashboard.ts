/** Typed wrappers of the console dashboard's queries (`sql/queries/console/dashboard_*.sql`). */
import type { Queryable } from "./client.ts";
import dashboardDailySql from "../../sql/queries/console/dashboard_daily.sql" with { type: "text" };
import dashboardSummarySql from "../../sql/queries/console/dashboard_summary.sql" with { type: "text" };
import dashboardCorrectionsSql from "../../sql/queries/console/dashboard_corrections.sql" with {
  type: "text",
};

/** One count of the chart: a day, and either an intent or a disposition. */
export interface DailyRow {
  /** YYYY-MM-DD, UTC. */
  day: string;
  intent: string | null;
  disposition: string | null;
  n: number;
}

/** Emails per day over the last `days` days, by intent and by disposition. */
export async function listDailyCounts(q: Queryable, days: number): Promise<DailyRow[]> {
  return (await q.query<DailyRow>(dashboardDailySql, [days])).rows;
}

/** The dashboard's figures. */
export interface DashboardSummary {
  total: number;
  answered: number;
  with_person: number;
  filtered: number;
  pending: number;
  /** Needs a person, now. */
  backlog: number;
  /** When the oldest email of the backlog came in; null without backlog. */
  oldest: Date | null;
}

/** The figures of the last `days` days, and the backlog now. */
export async function getDashboardSummary(q: Queryable, days: number): Promise<DashboardSummary> {
  return (await q.query<DashboardSummary>(dashboardSummarySql, [days])).rows[0];
}

/** Corrections and confirmations of one decided intent. */
export interface CorrectionRow {
  intent: string;
  corrections: number;
  confirmations: number;
  /** The intents people set instead, comma-separated. */
  corrected_to: string;
}

/** Corrections per intent over the last `days` days. */
export async function listCorrectionsByIntent(q: Queryable, days: number): Promise<CorrectionRow[]> {
  return (await q.query<CorrectionRow>(dashboardCorrectionsSql, [days])).rows;
}
