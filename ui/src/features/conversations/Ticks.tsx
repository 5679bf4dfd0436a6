import { ticksLabel, type Ticks as TicksKind } from "../../conversations";

/** A bubble's status as WhatsApp draws it: a clock, one tick, two ticks, two blue ticks, or a warning. */
export function Ticks({ ticks }: { ticks: TicksKind }) {
  const label = ticksLabel(ticks);
  const common = { role: "img", "aria-label": label, "data-testid": "ticks", "data-ticks": ticks } as const;
  if (ticks === "clock") {
    return (
      <svg {...common} viewBox="0 0 16 16" className="size-3.5 shrink-0 text-slate-400" fill="none" stroke="currentColor" strokeWidth={1.5}>
        <circle cx="8" cy="8" r="6" />
        <path d="M8 5v3.2l2 1.3" strokeLinecap="round" />
      </svg>
    );
  }
  if (ticks === "failed") {
    return (
      <svg {...common} viewBox="0 0 16 16" className="size-3.5 shrink-0 text-red-600" fill="currentColor">
        <path d="M8 1.5 15 14H1L8 1.5Zm-.75 4.5v4h1.5V6h-1.5Zm0 5v1.5h1.5V11h-1.5Z" />
      </svg>
    );
  }
  const colour = ticks === "read" ? "text-sky-500" : "text-slate-400";
  return (
    <svg {...common} viewBox="0 0 18 12" className={`h-3 w-4 shrink-0 ${colour}`} fill="none" stroke="currentColor" strokeWidth={1.6}>
      <path d="M1 6.5 4.5 10 11 2" strokeLinecap="round" strokeLinejoin="round" />
      {ticks !== "sent" && <path d="M7.5 9.2 8.3 10 14.8 2" strokeLinecap="round" strokeLinejoin="round" />}
    </svg>
  );
}
