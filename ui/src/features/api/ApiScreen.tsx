import { Button } from "../../components/Button";
import { useApiAddress } from "../../queries";
import { ApiAddress } from "./ApiAddress";
import { ApiKeysCard } from "./ApiKeysCard";
import { WebhooksCard } from "./WebhooksCard";

export function ApiScreen({ onOpenSettings }: { onOpenSettings: () => void }) {
  const address = useApiAddress();
  return (
    <section className="min-w-0 flex-1 overflow-y-auto">
      <div className="mx-auto max-w-4xl space-y-5 p-6">
        <div className="flex flex-wrap items-end justify-between gap-4">
          <div>
            <h1 className="text-lg font-semibold text-slate-900">Local API</h1>
            <p className="text-sm text-slate-500">
              Other apps on this computer can use Switchboard over HTTP. Give each app its own key.
            </p>
            <ApiAddress className="mt-2" />
            {address.data && (
              <p className="mt-1 text-xs text-slate-500">
                The routes are described at{" "}
                <span className="font-mono text-slate-700" data-selectable>
                  {address.data}/v1/openapi.json
                </span>
              </p>
            )}
          </div>
          <Button size="sm" variant="ghost" onClick={onOpenSettings} data-testid="api-open-settings">
            Port and allowed hosts…
          </Button>
        </div>
        <ApiKeysCard />
        <WebhooksCard />
      </div>
    </section>
  );
}
