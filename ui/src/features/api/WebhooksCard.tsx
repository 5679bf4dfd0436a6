import { useState } from "react";
import { errorMessage } from "../../api";
import { Button } from "../../components/Button";
import { Card } from "../../components/Card";
import { PlusIcon } from "../../components/icons";
import { Spinner } from "../../components/Spinner";
import { useApiKeys, useSubscriptions } from "../../queries";
import { NewWebhookDialog } from "./NewWebhookDialog";
import { WebhookRow } from "./WebhookRow";

export function WebhooksCard() {
  const subscriptions = useSubscriptions();
  const keys = useApiKeys();
  const [creating, setCreating] = useState(false);
  const list = [...(subscriptions.data ?? [])].sort((a, b) => b.createdAt - a.createdAt);

  return (
    <Card
      title="Webhooks"
      data-testid="webhooks"
      actions={
        <Button size="sm" variant="primary" icon={<PlusIcon />} onClick={() => setCreating(true)} data-testid="new-webhook">
          Add webhook
        </Button>
      }
    >
      <p className="mb-4 text-sm text-slate-500">
        Switchboard posts events to these addresses as they happen, and tries again for a while when a post fails.
      </p>
      {subscriptions.isPending ? (
        <p className="flex items-center gap-2 text-sm text-slate-500">
          <Spinner className="size-4" /> Loading webhooks…
        </p>
      ) : subscriptions.isError ? (
        <p role="alert" className="text-sm text-red-700">
          {errorMessage(subscriptions.error)}
        </p>
      ) : list.length === 0 ? (
        <p className="text-sm text-slate-500">No webhooks yet.</p>
      ) : (
        <ul className="space-y-3" data-testid="webhook-list">
          {list.map((subscription) => (
            <li key={subscription.id}>
              <WebhookRow subscription={subscription} keys={keys.data ?? []} />
            </li>
          ))}
        </ul>
      )}
      {creating && <NewWebhookDialog onClose={() => setCreating(false)} />}
    </Card>
  );
}
