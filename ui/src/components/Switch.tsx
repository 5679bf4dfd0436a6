import type { InputHTMLAttributes } from "react";

type Props = Omit<InputHTMLAttributes<HTMLInputElement>, "type" | "role">;

/** An on/off switch: a real checkbox (so it reads and clicks like one), drawn as a track with a knob. */
export function Switch({ className = "", ...rest }: Props) {
  return (
    <span className={`relative inline-flex h-5 w-9 shrink-0 ${className}`}>
      <input
        type="checkbox"
        role="switch"
        {...rest}
        className="peer h-5 w-9 cursor-pointer appearance-none rounded-full bg-slate-300 transition-colors checked:bg-emerald-600 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-emerald-600 disabled:cursor-not-allowed disabled:opacity-60"
      />
      <span
        aria-hidden="true"
        className="pointer-events-none absolute left-0.5 top-0.5 size-4 rounded-full bg-white shadow-xs transition-transform peer-checked:translate-x-4"
      />
    </span>
  );
}
