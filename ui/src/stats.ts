import type { DailyStats } from "./bindings";

export const STAT_SERIES = ["sent", "delivered", "read", "failed", "received"] as const;
export type StatSeries = (typeof STAT_SERIES)[number];

/** One day's counts, summed over the instances asked for. */
export type DayTotals = { day: string } & Record<StatSeries, number>;

export const STAT_LABELS: Record<StatSeries, string> = {
  sent: "Sent",
  delivered: "Delivered",
  read: "Read",
  failed: "Failed",
  received: "Received",
};

export const STATS_DAY_CHOICES = [7, 30, 90] as const;

const pad2 = (value: number) => String(value).padStart(2, "0");

export function emptyDay(day: string): DayTotals {
  return { day, sent: 0, delivered: 0, read: 0, failed: 0, received: 0 };
}

/** A local date as `YYYY-MM-DD`, as the backend names days. */
export function localDay(at: number | Date): string {
  const date = at instanceof Date ? at : new Date(at);
  return `${date.getFullYear()}-${pad2(date.getMonth() + 1)}-${pad2(date.getDate())}`;
}

/** The last `count` local days, oldest first, today included. */
export function lastDays(count: number, now: number): string[] {
  const today = new Date(now);
  const days: string[] = [];
  for (let back = count - 1; back >= 0; back -= 1) {
    // Noon avoids daylight-saving edges.
    days.push(localDay(new Date(today.getFullYear(), today.getMonth(), today.getDate() - back, 12)));
  }
  return days;
}

/** Sums the rows of every instance per day, oldest day first. */
export function aggregateByDay(rows: DailyStats[]): DayTotals[] {
  const byDay = new Map<string, DayTotals>();
  for (const row of rows) {
    const total = byDay.get(row.day) ?? emptyDay(row.day);
    for (const series of STAT_SERIES) total[series] += row[series];
    byDay.set(row.day, total);
  }
  return [...byDay.values()].sort((a, b) => a.day.localeCompare(b.day));
}

/** One entry per day asked for, with zeros for days without activity. */
export function fillDays(totals: DayTotals[], days: string[]): DayTotals[] {
  const byDay = new Map(totals.map((total) => [total.day, total]));
  return days.map((day) => byDay.get(day) ?? emptyDay(day));
}

export function sumDays(totals: DayTotals[]): Record<StatSeries, number> {
  const sum = emptyDay("");
  for (const total of totals) for (const series of STAT_SERIES) sum[series] += total[series];
  const { day: _day, ...counts } = sum;
  return counts;
}

export function hasActivity(total: DayTotals): boolean {
  return STAT_SERIES.some((series) => total[series] > 0);
}

/** A round upper bound for a chart axis: 1, 2 or 5 times a power of ten (at least 1). */
export function niceCeiling(value: number): number {
  if (!(value > 1)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) {
    if (step * power >= value) return step * power;
  }
  return 10 * power;
}

/** "Mon 3" style short label for a `YYYY-MM-DD` day. */
export function shortDayLabel(day: string): string {
  const [year, month, date] = day.split("-").map(Number);
  if (!year || !month || !date) return day;
  return new Date(year, month - 1, date, 12).toLocaleDateString(undefined, { day: "numeric", month: "short" });
}
