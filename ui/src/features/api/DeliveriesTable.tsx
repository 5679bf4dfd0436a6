import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, errorMessage } from "../../api";
import type { Delivery } from "../../bindings";
import { Button } from "../../components/Button";
import { Pill } from "../../components/Pill";
import { Spinner } from "../../components/Spinner";
import { formatDateTime, formatPreciseTime } from "../../format";
import { canReplay, deliveryOutcome, deliveryStateLabel, deliveryStateTone, webhookEventLabel } from "../../localApi";
import { queryKeys, useDeliveries } from "../../queries";

const HEADERS = ["Event", "State", "Attempts", "Last answer", "Created", "Delivered", ""];

/** The posts to one subscription, newest first; refreshed every 5 s while shown. */
export function DeliveriesTable({ subscriptionId }: { subscriptionId: string }) {
  const deliveries = useDeliveries(subscriptionId, true);
  const list = [...(deliveries.data ?? [])].sort((a, b) => b.createdAt - a.createdAt);

  if (deliveries.isPending) {
    return (
      <p className="flex items-center gap-2 text-sm text-slate-500">
        <Spinner className="size-4" /> Loading deliveries…
      </p>
    );
  }
  if (deliveries.isError) {
    return (
      <p role="alert" className="text-sm text-red-700">
        {errorMessage(deliveries.error)}
      </p>
    );
  }
  if (list.length === 0) {
    return (
      <p data-testid="webhook-deliveries-empty" className="text-sm text-slate-500">
        Nothing has been sent to this address yet.
      </p>
    );
  }
  return (
    <div className="overflow-x-auto">
      <table data-testid="webhook-deliveries-table" className="w-full text-left text-sm">
        <thead className="text-xs font-medium uppercase tracking-wide text-slate-500">
          <tr>
            {HEADERS.map((header, index) => (
              <th key={index} scope="col" className="px-2 py-1.5 font-medium">
                {header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {list.map((delivery) => (
            <DeliveryRow key={delivery.id} delivery={delivery} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function DeliveryRow({ delivery }: { delivery: Delivery }) {
  const client = useQueryClient();
  const replay = useMutation({
    mutationFn: () => api.replayDelivery(delivery.id),
    onSuccess: (next) => {
      client.setQueryData<Delivery[]>(queryKeys.deliveriesFor(delivery.subscriptionId), (list) =>
        list?.some((item) => item.id === next.id)
          ? list.map((item) => (item.id === next.id ? next : item))
          : list && [next, ...list],
      );
    },
    onSettled: () => client.invalidateQueries({ queryKey: queryKeys.deliveriesFor(delivery.subscriptionId) }),
  });

  return (
    <tr data-testid="delivery-row" data-state={delivery.state} data-delivery-id={delivery.id} className="align-top">
      <td className="px-2 py-2 text-slate-800" title={delivery.body}>
        {webhookEventLabel(delivery.event)}
      </td>
      <td className="px-2 py-2">
        <Pill data-testid="delivery-state" tone={deliveryStateTone(delivery.state)} label={deliveryStateLabel(delivery.state)} />
        {delivery.state === "pending" && (
          <p className="mt-1 text-xs text-slate-500">Next try {formatPreciseTime(delivery.nextAttemptAt)}</p>
        )}
      </td>
      <td className="px-2 py-2 tabular-nums text-slate-600">{delivery.attempts}</td>
      <td className={`px-2 py-2 text-xs ${delivery.state === "failed" ? "text-red-700" : "text-slate-600"}`}>
        <span className="break-words" data-selectable>
          {deliveryOutcome(delivery)}
        </span>
      </td>
      <td className="whitespace-nowrap px-2 py-2 tabular-nums text-slate-500" title={formatDateTime(delivery.createdAt)}>
        {formatPreciseTime(delivery.createdAt)}
      </td>
      <td className="whitespace-nowrap px-2 py-2 tabular-nums text-slate-500">
        {delivery.deliveredAt === null ? (
          "—"
        ) : (
          <span title={formatDateTime(delivery.deliveredAt)}>{formatPreciseTime(delivery.deliveredAt)}</span>
        )}
      </td>
      <td className="px-2 py-2 text-right">
        {canReplay(delivery) && (
          <Button size="sm" variant="ghost" busy={replay.isPending} onClick={() => replay.mutate()} data-testid="delivery-replay">
            Replay
          </Button>
        )}
        {replay.isError && (
          <p role="alert" data-testid="action-error" className="mt-1 text-left text-xs text-red-700">
            {errorMessage(replay.error)}
          </p>
        )}
      </td>
    </tr>
  );
}
