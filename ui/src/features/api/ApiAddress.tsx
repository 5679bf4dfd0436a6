import { apiAddressLabel } from "../../localApi";
import { useApiAddress, useSettings } from "../../queries";

/** Where local apps reach the API right now, as the listener reports it. */
export function ApiAddress({ className = "" }: { className?: string }) {
  const address = useApiAddress();
  const settings = useSettings();
  const listening = address.data ?? null;
  const enabled = settings.data?.apiEnabled;
  const on = enabled !== false && listening !== null;
  const text = address.isPending ? "Checking…" : apiAddressLabel(listening, enabled);
  return (
    <p className={`flex items-center gap-2 text-sm ${className}`}>
      <span className={`size-2 shrink-0 rounded-full ${on ? "bg-emerald-500" : "bg-slate-400"}`} aria-hidden="true" />
      <span data-testid="api-address" data-listening={on} data-selectable className={on ? "text-slate-800" : "text-slate-500"}>
        {text}
      </span>
    </p>
  );
}
