import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, errorMessage } from "../../api";
import type { Instance, LinkView } from "../../bindings";
import { Card } from "../../components/Card";
import { useInvalidate } from "../../hooks/useInvalidate";
import { queryKeys, useLink } from "../../queries";
import { PairingForm } from "./PairingForm";
import { QrCode } from "./QrCode";
import { RelinkPrompt } from "./RelinkPrompt";

export function LinkCard({ instance }: { instance: Instance }) {
  const client = useQueryClient();
  const invalidate = useInvalidate();
  const link = useLink(instance.id, true);
  const view = link.data;
  const status = view?.status ?? instance.status;

  const start = useMutation({
    mutationFn: (pairingPhone: string | null) => api.startLinking(instance.id, pairingPhone),
    onSuccess: (next: LinkView) => {
      client.setQueryData(queryKeys.link(instance.id), next);
      invalidate(queryKeys.instances, queryKeys.history(instance.id));
    },
  });
  const startError = start.isError ? errorMessage(start.error) : null;
  const pairingRequested = start.variables != null;

  return (
    <Card data-testid="qr-card" title="Link this number">
      <div className="grid gap-8 md:grid-cols-[auto_minmax(0,1fr)]">
        <div className="flex justify-center md:block">
          {status === "qr_limit_reached" || status === "logged_out" ? (
            <RelinkPrompt
              status={status}
              busy={start.isPending && !pairingRequested}
              error={pairingRequested ? null : startError}
              onRetry={() => start.mutate(null)}
            />
          ) : (
            <QrCode
              instanceId={instance.id}
              view={view}
              loading={link.isPending}
              error={link.isError ? errorMessage(link.error) : null}
            />
          )}
        </div>
        <div className="space-y-5">
          <Steps />
          <PairingForm
            pairingCode={view?.pairingCode ?? null}
            busy={start.isPending && pairingRequested}
            error={pairingRequested ? startError : null}
            onSubmit={(phone) => start.mutate(phone)}
          />
        </div>
      </div>
    </Card>
  );
}

function Steps() {
  return (
    <ol className="list-decimal space-y-1 pl-5 text-sm text-slate-600 marker:text-slate-400">
      <li>Open WhatsApp on the phone that owns this number.</li>
      <li>
        Go to <span className="font-medium text-slate-800">Settings → Linked devices → Link a device</span>.
      </li>
      <li>Point the phone at the code on this screen.</li>
    </ol>
  );
}
