import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, errorMessage } from "../../api";
import type { ApiKey, Subscription } from "../../bindings";
import { Button } from "../../components/Button";
import { ChevronIcon } from "../../components/icons";
import { formatDateTime, formatTime } from "../../format";
import { subscriptionCreator, webhookEventLabel } from "../../localApi";
import { queryKeys } from "../../queries";
import { DeliveriesTable } from "./DeliveriesTable";

type Props = { subscription: Subscription; keys: ApiKey[] };

export function WebhookRow({ subscription, keys }: Props) {
  const client = useQueryClient();
  const [open, setOpen] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const remove = useMutation({
    mutationFn: () => api.deleteSubscription(subscription.id),
    onSuccess: () => {
      client.setQueryData<Subscription[]>(queryKeys.subscriptions, (list) =>
        list?.filter((item) => item.id !== subscription.id),
      );
      client.removeQueries({ queryKey: queryKeys.deliveriesFor(subscription.id) });
    },
    onSettled: () => client.invalidateQueries({ queryKey: queryKeys.subscriptions }),
  });

  return (
    <article
      data-testid="webhook-row"
      data-subscription-id={subscription.id}
      className="rounded-lg ring-1 ring-inset ring-slate-200"
    >
      <div className="flex flex-wrap items-start justify-between gap-3 px-4 py-3">
        <div className="min-w-0 flex-1 space-y-1">
          <p className="break-all font-mono text-sm text-slate-900" data-testid="webhook-address" data-selectable>
            {subscription.url}
          </p>
          <div className="flex flex-wrap gap-1.5" data-testid="webhook-events">
            {subscription.events.map((event) => (
              <span
                key={event}
                title={event}
                className="rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-600"
              >
                {webhookEventLabel(event)}
              </span>
            ))}
          </div>
          <p className="text-xs text-slate-500">
            Added by {subscriptionCreator(subscription, keys)} ·{" "}
            <span title={formatDateTime(subscription.createdAt)}>{formatTime(subscription.createdAt)}</span>
          </p>
        </div>
        <div className="flex shrink-0 gap-2">
          <Button
            size="sm"
            variant="ghost"
            aria-expanded={open}
            onClick={() => setOpen((value) => !value)}
            icon={<ChevronIcon className={`size-4 transition-transform ${open ? "rotate-90" : ""}`} />}
            data-testid="webhook-deliveries"
          >
            Deliveries
          </Button>
          {!confirming && (
            <Button size="sm" variant="danger-outline" onClick={() => setConfirming(true)} data-testid="webhook-delete">
              Delete
            </Button>
          )}
        </div>
      </div>
      {confirming && (
        <div
          data-testid="webhook-delete-prompt"
          className="mx-4 mb-3 flex flex-wrap items-center justify-between gap-3 rounded-md bg-red-50 px-3 py-2 text-sm text-red-800 ring-1 ring-inset ring-red-200"
        >
          <span>Stop sending events to this address? Its delivery log goes too.</span>
          <span className="flex gap-2">
            <Button size="sm" disabled={remove.isPending} onClick={() => setConfirming(false)}>
              Keep it
            </Button>
            <Button
              size="sm"
              variant="danger"
              busy={remove.isPending}
              onClick={() => remove.mutate()}
              data-testid="webhook-delete-confirm"
            >
              Delete webhook
            </Button>
          </span>
        </div>
      )}
      {remove.isError && (
        <p role="alert" data-testid="action-error" className="mx-4 mb-3 text-sm text-red-700">
          {errorMessage(remove.error)}
        </p>
      )}
      {open && (
        <div className="border-t border-slate-100 px-4 py-3">
          <DeliveriesTable subscriptionId={subscription.id} />
        </div>
      )}
    </article>
  );
}
