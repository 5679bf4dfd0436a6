import { niceCeiling, shortDayLabel, STAT_LABELS, STAT_SERIES, type DayTotals, type StatSeries } from "../../stats";

/** SVG fill per series (grouped bars). */
const SERIES_FILL: Record<StatSeries, string> = {
  sent: "fill-sky-500",
  delivered: "fill-emerald-500",
  read: "fill-emerald-800",
  failed: "fill-red-500",
  received: "fill-violet-400",
};

/** The same colours as backgrounds, for legends and totals. */
export const SERIES_SWATCH: Record<StatSeries, string> = {
  sent: "bg-sky-500",
  delivered: "bg-emerald-500",
  read: "bg-emerald-800",
  failed: "bg-red-500",
  received: "bg-violet-400",
};

const WIDTH = 760;
const HEIGHT = 240;
const LEFT = 40;
const RIGHT = 8;
const TOP = 10;
const BOTTOM = 26;
const PLOT_W = WIDTH - LEFT - RIGHT;
const PLOT_H = HEIGHT - TOP - BOTTOM;

/** Ticks from 0 to `max` in at most five whole steps. */
function ticks(max: number): number[] {
  const count = max <= 5 ? max : 5;
  const step = max / count;
  return Array.from({ length: count + 1 }, (_, index) => Math.round(index * step));
}

export function StatsChart({ days }: { days: DayTotals[] }) {
  const peak = Math.max(0, ...days.flatMap((day) => STAT_SERIES.map((name) => day[name])));
  const max = niceCeiling(peak);
  const slot = days.length === 0 ? PLOT_W : PLOT_W / days.length;
  const barWidth = (slot * 0.8) / STAT_SERIES.length;
  const labelEvery = Math.max(1, Math.ceil(days.length / 8));
  const y = (value: number) => TOP + PLOT_H - (value / max) * PLOT_H;

  return (
    <div data-testid="stats-chart" className="space-y-3">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        className="h-auto w-full"
        role="img"
        aria-label="Messages per day: sent, delivered, read, failed and received"
      >
        {ticks(max).map((tick) => (
          <g key={tick}>
            <line x1={LEFT} x2={WIDTH - RIGHT} y1={y(tick)} y2={y(tick)} className="stroke-slate-200" strokeWidth={1} />
            <text x={LEFT - 6} y={y(tick) + 3.5} textAnchor="end" className="fill-slate-400 text-[10px] tabular-nums">
              {tick.toLocaleString()}
            </text>
          </g>
        ))}
        {days.map((day, index) => {
          const x0 = LEFT + index * slot + slot * 0.1;
          const summary = STAT_SERIES.map((name) => `${STAT_LABELS[name]} ${day[name]}`).join(", ");
          return (
            <g key={day.day}>
              <title>{`${shortDayLabel(day.day)}: ${summary}`}</title>
              {/* A transparent column so the tooltip works between bars too. */}
              <rect x={LEFT + index * slot} y={TOP} width={slot} height={PLOT_H} fill="transparent" />
              {STAT_SERIES.map((name, position) => {
                const value = day[name];
                if (value <= 0) return null;
                const height = Math.max(1, (value / max) * PLOT_H);
                return (
                  <rect
                    key={name}
                    x={x0 + position * barWidth}
                    y={TOP + PLOT_H - height}
                    width={Math.max(0.5, barWidth - (barWidth > 3 ? 1 : 0))}
                    height={height}
                    rx={barWidth > 6 ? 1.5 : 0}
                    className={SERIES_FILL[name]}
                  />
                );
              })}
              {index % labelEvery === 0 && (
                <text
                  x={LEFT + index * slot + slot / 2}
                  y={HEIGHT - 8}
                  textAnchor="middle"
                  className="fill-slate-500 text-[10px]"
                >
                  {shortDayLabel(day.day)}
                </text>
              )}
            </g>
          );
        })}
        <line x1={LEFT} x2={WIDTH - RIGHT} y1={TOP + PLOT_H} y2={TOP + PLOT_H} className="stroke-slate-300" strokeWidth={1} />
      </svg>
      <ul className="flex flex-wrap justify-center gap-x-5 gap-y-1 text-xs text-slate-600" data-testid="stats-legend">
        {STAT_SERIES.map((name) => (
          <li key={name} className="flex items-center gap-1.5">
            <span className={`size-2.5 rounded-sm ${SERIES_SWATCH[name]}`} aria-hidden="true" />
            {STAT_LABELS[name]}
          </li>
        ))}
      </ul>
    </div>
  );
}
