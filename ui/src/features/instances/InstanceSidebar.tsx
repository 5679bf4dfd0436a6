import type { Instance, InstanceId } from "../../bindings";
import { Button } from "../../components/Button";
import { PlusIcon } from "../../components/icons";
import { Spinner } from "../../components/Spinner";
import { Pill } from "../../components/Pill";
import { StatusBadge } from "../../components/StatusBadge";
import { formatPhone, providerLabel } from "../../format";

type Props = {
  instances: Instance[];
  loading: boolean;
  error: string | null;
  selectedId: InstanceId | null;
  onSelect: (id: InstanceId) => void;
  onAdd: () => void;
};

export function InstanceSidebar({ instances, loading, error, selectedId, onSelect, onAdd }: Props) {
  return (
    <aside className="flex w-72 shrink-0 flex-col border-r border-slate-200 bg-white">
      <div className="flex items-center justify-between px-4 pb-2 pt-4">
        <h2 className="text-xs font-semibold uppercase tracking-wide text-slate-500">Instances</h2>
        <span className="text-xs text-slate-400">{instances.length > 0 && instances.length}</span>
      </div>
      <ul className="flex-1 space-y-1 overflow-y-auto px-2 pb-2">
        {loading && (
          <li className="flex items-center gap-2 px-3 py-4 text-sm text-slate-500">
            <Spinner className="size-4" /> Loading instances…
          </li>
        )}
        {error && <li className="px-3 py-4 text-sm text-red-700">{error}</li>}
        {instances.map((instance) => (
          <li key={instance.id}>
            <InstanceRow instance={instance} selected={instance.id === selectedId} onSelect={onSelect} />
          </li>
        ))}
      </ul>
      <div className="border-t border-slate-200 p-3">
        <Button
          variant="primary"
          className="w-full"
          icon={<PlusIcon />}
          onClick={onAdd}
          data-testid="add-instance-button"
        >
          Add instance
        </Button>
      </div>
    </aside>
  );
}

function subtitle(instance: Instance): string {
  if (instance.status === "connected") {
    const parts = [instance.profileName, instance.phone && formatPhone(instance.phone)].filter(Boolean);
    if (parts.length > 0) return parts.join(" · ");
  }
  if (instance.serverUrl) return instance.serverUrl.replace(/^https?:\/\//, "").replace(/\/$/, "");
  return providerLabel(instance.provider);
}

type RowProps = { instance: Instance; selected: boolean; onSelect: (id: InstanceId) => void };

function InstanceRow({ instance, selected, onSelect }: RowProps) {
  return (
    <button
      type="button"
      data-testid="instance-row"
      data-instance-id={instance.id}
      data-status={instance.status}
      aria-current={selected || undefined}
      onClick={() => onSelect(instance.id)}
      className={`w-full rounded-lg px-3 py-2.5 text-left transition-colors ${
        selected ? "bg-emerald-50 ring-1 ring-inset ring-emerald-200" : "hover:bg-slate-50"
      }`}
    >
      <div className="flex items-center justify-between gap-2">
        <span className="one-line min-w-0 text-sm font-medium text-slate-900">{instance.displayName}</span>
        <StatusBadge status={instance.status} />
      </div>
      <div className="mt-0.5 flex items-center gap-2">
        <span className="one-line min-w-0 text-xs text-slate-500">{subtitle(instance)}</span>
        {instance.sendingPause && <Pill tone="amber" label="Sending paused" data-testid="instance-sending-paused" />}
      </div>
    </button>
  );
}
