import type { HTMLAttributes, ReactNode } from "react";

type Props = HTMLAttributes<HTMLElement> & { title?: ReactNode; actions?: ReactNode };

export function Card({ title, actions, children, className = "", ...rest }: Props) {
  return (
    <section {...rest} className={`rounded-xl bg-white shadow-xs ring-1 ring-slate-200 ${className}`}>
      {(title || actions) && (
        <div className="flex items-center justify-between gap-3 border-b border-slate-100 px-5 py-3">
          <h3 className="text-sm font-semibold text-slate-900">{title}</h3>
          {actions}
        </div>
      )}
      <div className="p-5">{children}</div>
    </section>
  );
}
