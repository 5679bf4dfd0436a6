import { useState, type ReactNode } from "react";
import { errorMessage } from "../../api";
import { Card } from "../../components/Card";
import { Select } from "../../components/Select";
import { Spinner } from "../../components/Spinner";
import { useInstances, useStatistics } from "../../queries";
import {
  aggregateByDay,
  fillDays,
  hasActivity,
  lastDays,
  STAT_LABELS,
  STAT_SERIES,
  STATS_DAY_CHOICES,
  sumDays,
  type DayTotals,
} from "../../stats";
import { StatsChart, SERIES_SWATCH } from "./StatsChart";

export function StatsScreen() {
  const instances = useInstances();
  const [instanceId, setInstanceId] = useState<string | null>(null);
  const [days, setDays] = useState<number>(30);
  const stats = useStatistics({ instanceId, days });

  const totals = aggregateByDay(stats.data ?? []);
  const series = fillDays(totals, lastDays(days, Date.now()));
  const active = [...series].filter(hasActivity).reverse();
  const sums = sumDays(series);

  return (
    <section className="flex min-w-0 flex-1 flex-col">
      <div className="flex flex-wrap items-end justify-between gap-4 border-b border-slate-200 bg-white px-6 py-4">
        <div>
          <h1 className="text-lg font-semibold text-slate-900">Statistics</h1>
          <p className="text-sm text-slate-500">Messages per day, kept even after the log itself is cleared.</p>
        </div>
        <div className="flex flex-wrap items-end gap-3">
          <Control label="Instance">
            <Select
              data-testid="stats-instance"
              className="w-48"
              value={instanceId ?? ""}
              onChange={(event) => setInstanceId(event.target.value || null)}
            >
              <option value="">All instances</option>
              {(instances.data ?? []).map((instance) => (
                <option key={instance.id} value={instance.id}>
                  {instance.displayName}
                </option>
              ))}
            </Select>
          </Control>
          <Control label="Period">
            <Select
              data-testid="stats-days"
              className="w-36"
              value={String(days)}
              onChange={(event) => setDays(Number(event.target.value))}
            >
              {STATS_DAY_CHOICES.map((choice) => (
                <option key={choice} value={choice}>
                  Last {choice} days
                </option>
              ))}
            </Select>
          </Control>
        </div>
      </div>
      <div className="min-h-0 flex-1 space-y-5 overflow-auto px-6 py-4">
        {stats.isPending ? (
          <p className="flex items-center gap-2 text-sm text-slate-500">
            <Spinner className="size-4" /> Loading statistics…
          </p>
        ) : stats.isError ? (
          <p role="alert" className="text-sm text-red-700">
            {errorMessage(stats.error)}
          </p>
        ) : (
          <>
            <dl className="grid grid-cols-2 gap-3 sm:grid-cols-5" data-testid="stats-totals">
              {STAT_SERIES.map((name) => (
                <div key={name} className="rounded-xl bg-white px-4 py-3 shadow-xs ring-1 ring-slate-200">
                  <dt className="flex items-center gap-1.5 text-xs font-medium text-slate-500">
                    <span className={`size-2 rounded-sm ${SERIES_SWATCH[name]}`} aria-hidden="true" />
                    {STAT_LABELS[name]}
                  </dt>
                  <dd data-testid={`stats-total-${name}`} className="mt-1 text-2xl font-semibold tabular-nums text-slate-900">
                    {sums[name].toLocaleString()}
                  </dd>
                </div>
              ))}
            </dl>
            <Card title="Per day">
              <StatsChart days={series} />
            </Card>
            <StatsTable days={active} />
          </>
        )}
      </div>
    </section>
  );
}

function Control({ label, children }: { label: string; children: ReactNode }) {
  return (
    <label className="flex flex-col gap-1 text-xs font-medium text-slate-500">
      {label}
      {children}
    </label>
  );
}

function dayLabel(day: string): string {
  const [year, month, date] = day.split("-").map(Number);
  if (!year || !month || !date) return day;
  return new Date(year, month - 1, date, 12).toLocaleDateString(undefined, {
    weekday: "short",
    day: "numeric",
    month: "short",
    year: "numeric",
  });
}

function StatsTable({ days }: { days: DayTotals[] }) {
  return (
    <div className="overflow-clip rounded-xl bg-white shadow-xs ring-1 ring-slate-200">
      <table data-testid="stats-table" className="w-full text-left text-sm">
        <thead className="border-b border-slate-200 bg-slate-50 text-xs font-medium uppercase tracking-wide text-slate-500">
          <tr>
            <th scope="col" className="px-4 py-2.5 font-medium">
              Day
            </th>
            {STAT_SERIES.map((name) => (
              <th key={name} scope="col" className="px-4 py-2.5 text-right font-medium">
                {STAT_LABELS[name]}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {days.map((day) => (
            <tr key={day.day} data-testid="stats-row" data-day={day.day} data-sent={day.sent}>
              <td className="px-4 py-2.5 text-slate-700" title={day.day}>
                {dayLabel(day.day)}
              </td>
              {STAT_SERIES.map((name) => (
                <td key={name} data-series={name} className="px-4 py-2.5 text-right tabular-nums text-slate-800">
                  {day[name].toLocaleString()}
                </td>
              ))}
            </tr>
          ))}
          {days.length === 0 && (
            <tr>
              <td colSpan={STAT_SERIES.length + 1} className="px-4 py-10 text-center text-sm text-slate-500">
                Nothing was sent or received in this period.
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}
