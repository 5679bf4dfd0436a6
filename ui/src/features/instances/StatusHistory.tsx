import { useState } from "react";
import { errorMessage } from "../../api";
import type { InstanceId } from "../../bindings";
import { ChevronIcon } from "../../components/icons";
import { Spinner } from "../../components/Spinner";
import { Pill } from "../../components/Pill";
import { formatDateTime, formatTime, instanceStatusLabel, instanceStatusTone } from "../../format";
import { useStatusHistory } from "../../queries";

export function StatusHistory({ instanceId }: { instanceId: InstanceId }) {
  const [open, setOpen] = useState(false);
  const history = useStatusHistory(instanceId, open);
  const changes = [...(history.data ?? [])].sort((a, b) => b.at - a.at);

  return (
    <section className="rounded-xl bg-white shadow-xs ring-1 ring-slate-200">
      <button
        type="button"
        aria-expanded={open}
        onClick={() => setOpen((value) => !value)}
        data-testid="status-history-toggle"
        className="flex w-full items-center gap-2 px-5 py-3 text-left text-sm font-semibold text-slate-900"
      >
        <ChevronIcon className={`size-4 text-slate-400 transition-transform ${open ? "rotate-90" : ""}`} />
        Status history
      </button>
      {open && (
        <div className="border-t border-slate-100 px-5 py-3">
          {history.isPending && (
            <p className="flex items-center gap-2 text-sm text-slate-500">
              <Spinner className="size-4" /> Loading…
            </p>
          )}
          {history.isError && <p className="text-sm text-red-700">{errorMessage(history.error)}</p>}
          {history.isSuccess && changes.length === 0 && <p className="text-sm text-slate-500">No changes recorded yet.</p>}
          <ul className="divide-y divide-slate-100" data-testid="status-history">
            {changes.map((change) => (
              <li key={`${change.at}-${change.status}`} className="flex items-center gap-3 py-2 text-sm">
                <span className="w-28 shrink-0 tabular-nums text-slate-500" title={formatDateTime(change.at)}>
                  {formatTime(change.at)}
                </span>
                <Pill tone={instanceStatusTone(change.status)} label={instanceStatusLabel(change.status)} />
                {change.reason && <span className="min-w-0 one-line text-slate-600">{change.reason}</span>}
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}
