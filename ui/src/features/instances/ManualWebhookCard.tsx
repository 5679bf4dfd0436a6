import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { api, errorMessage } from "../../api";
import type { Instance } from "../../bindings";
import { Button } from "../../components/Button";
import { Card } from "../../components/Card";
import { copyText } from "../../clipboard";
import { queryKeys } from "../../queries";

/** What to paste into Meta's App Dashboard (WhatsApp → Configuration) so receipts and customers'
 *  messages reach this number here. Sending works without it. */
export function ManualWebhookCard({ instance }: { instance: Instance }) {
  const setup = useQuery({
    queryKey: queryKeys.manualWebhook(instance.id),
    queryFn: () => api.manualWebhook(instance.id),
  });
  if (setup.isError) {
    return (
      <Card title="Webhook" data-testid="manual-webhook-card">
        <p role="alert" className="text-sm text-red-700">
          {errorMessage(setup.error)}
        </p>
      </Card>
    );
  }
  const data = setup.data;
  if (!data) return null;
  return (
    <Card title="Webhook" data-testid="manual-webhook-card">
      <p className="text-sm text-slate-600">
        Sending works now. For delivery ticks and customers' messages to arrive here, paste these into Meta's App
        Dashboard under WhatsApp → Configuration → Webhook, and subscribe to the <code>messages</code> field.
      </p>
      <dl className="mt-3 space-y-2 text-sm">
        <CopyRow label="Callback URL" value={data.callbackUrl} testId="callback-url" />
        <CopyRow label="Verify token" value={data.verifyToken} testId="verify-token" />
      </dl>
      {!data.public && (
        <p className="mt-3 text-xs text-amber-700" data-testid="callback-not-public">
          Meta only calls public HTTPS addresses. Expose Switchboard's listener through a tunnel or reverse proxy, then
          enter its public address as the webhook base address in Settings; this callback URL follows it.
        </p>
      )}
    </Card>
  );
}

function CopyRow({ label, value, testId }: { label: string; value: string | null; testId: string }) {
  const [copied, setCopied] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const copy = () => {
    if (value === null) return;
    setFailure(null);
    copyText(value).then(
      () => {
        setCopied(true);
        window.setTimeout(() => setCopied(false), 2_000);
      },
      (error: unknown) => setFailure(errorMessage(error)),
    );
  };
  return (
    <div className="flex items-center gap-3">
      <dt className="w-28 shrink-0 text-slate-500">{label}</dt>
      <dd className="min-w-0 flex-1 truncate font-mono text-xs text-slate-800" data-testid={testId} title={value ?? ""}>
        {value ?? "Turn on the local listener in Settings to get an address."}
      </dd>
      {value !== null && (
        <Button onClick={copy} data-testid={`${testId}-copy`}>
          {copied ? "Copied" : "Copy"}
        </Button>
      )}
      {failure && <span className="text-xs text-red-700">{failure}</span>}
    </div>
  );
}
