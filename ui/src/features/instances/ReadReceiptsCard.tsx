import { useMutation } from "@tanstack/react-query";
import { api, errorMessage } from "../../api";
import type { Instance } from "../../bindings";
import { Card } from "../../components/Card";
import { Switch } from "../../components/Switch";
import { useInvalidate } from "../../hooks/useInvalidate";
import { queryKeys } from "../../queries";

/** Whether opening a conversation here tells the customer their messages were read. */
export function ReadReceiptsCard({ instance }: { instance: Instance }) {
  const invalidate = useInvalidate();
  const change = useMutation({
    mutationFn: (on: boolean) => api.setReadReceipts(instance.id, on),
    onSettled: () => invalidate(queryKeys.instances),
  });
  const supported = instance.readReceiptsSupported;
  return (
    <Card title="Conversations" data-testid="read-receipts-card">
      <label className="flex items-start justify-between gap-4">
        <span>
          <span className="block text-sm font-medium text-slate-800">Send read receipts to the customer</span>
          <span className="block text-xs text-slate-500">
            {supported
              ? "When you open a conversation here, the customer's messages show as read (blue ticks) on their phone. One-to-one chats only."
              : "This number's connection cannot send read receipts: conversations are marked read only here."}
          </span>
        </span>
        <Switch
          checked={change.isPending ? change.variables : instance.sendReadReceipts}
          disabled={!supported || change.isPending}
          onChange={(event) => change.mutate(event.target.checked)}
          data-testid="read-receipts-switch"
          aria-label="Send read receipts to the customer"
        />
      </label>
      {change.isError && (
        <p role="alert" className="mt-2 text-xs text-red-700">
          {errorMessage(change.error)}
        </p>
      )}
    </Card>
  );
}
