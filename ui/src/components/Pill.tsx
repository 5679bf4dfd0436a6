import type { HTMLAttributes } from "react";
import type { Tone } from "../format";

const TONES: Record<Tone, { box: string; dot: string }> = {
  green: { box: "bg-emerald-50 text-emerald-700 ring-emerald-600/20", dot: "bg-emerald-500" },
  amber: { box: "bg-amber-50 text-amber-800 ring-amber-600/25", dot: "bg-amber-500" },
  red: { box: "bg-red-50 text-red-700 ring-red-600/20", dot: "bg-red-500" },
  blue: { box: "bg-sky-50 text-sky-700 ring-sky-600/20", dot: "bg-sky-500" },
  gray: { box: "bg-slate-100 text-slate-600 ring-slate-500/20", dot: "bg-slate-400" },
};

type Props = HTMLAttributes<HTMLSpanElement> & { tone: Tone; label: string; dot?: boolean };

export function Pill({ tone, label, dot = true, className = "", ...rest }: Props) {
  const colours = TONES[tone];
  return (
    <span
      {...rest}
      className={`inline-flex shrink-0 items-center gap-1.5 whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${colours.box} ${className}`}
    >
      {dot && <span className={`size-1.5 rounded-full ${colours.dot}`} aria-hidden="true" />}
      <span data-pill-label="">{label}</span>
    </span>
  );
}
