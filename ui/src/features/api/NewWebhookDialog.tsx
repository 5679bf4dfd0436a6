import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, errorMessage } from "../../api";
import type { CreatedSubscription, Subscription } from "../../bindings";
import { Button } from "../../components/Button";
import { Field } from "../../components/Field";
import { FormError } from "../../components/FormError";
import { Modal, ModalBody, ModalFooter } from "../../components/Modal";
import { SecretReveal } from "../../components/SecretReveal";
import {
  EMPTY_WEBHOOK_FORM,
  toggled,
  toNewSubscription,
  validateWebhook,
  WEBHOOK_EVENTS,
  type WebhookForm,
} from "../../localApi";
import { queryKeys } from "../../queries";

export function NewWebhookDialog({ onClose }: { onClose: () => void }) {
  const client = useQueryClient();
  const [form, setForm] = useState<WebhookForm>(EMPTY_WEBHOOK_FORM);
  const [invalid, setInvalid] = useState<string | null>(null);

  const create = useMutation({
    mutationFn: (values: WebhookForm) => api.createSubscription(toNewSubscription(values)),
    onSuccess: ({ subscription }) => {
      client.setQueryData<Subscription[]>(queryKeys.subscriptions, (list) =>
        list && !list.some((item) => item.id === subscription.id) ? [subscription, ...list] : list,
      );
      void client.invalidateQueries({ queryKey: queryKeys.subscriptions });
    },
  });

  const update = (patch: Partial<WebhookForm>) => {
    setForm((current) => ({ ...current, ...patch }));
    setInvalid(null);
    create.reset();
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const problem = validateWebhook(form);
    setInvalid(problem);
    if (problem === null) create.mutate(form);
  };

  const close = () => {
    if (!create.isPending) onClose();
  };

  if (create.data) return <CreatedWebhook created={create.data} onClose={onClose} />;

  const error = invalid ?? (create.isError ? errorMessage(create.error) : null);

  return (
    <Modal title="Add webhook" onClose={close} testId="webhook-dialog">
      <form onSubmit={submit} noValidate className="flex min-h-0 flex-col">
        <ModalBody>
          <Field
            label="Address"
            placeholder="https://example.com/switchboard-events"
            value={form.url}
            onChange={(event) => update({ url: event.target.value })}
            data-testid="webhook-url"
            autoComplete="off"
            spellCheck={false}
            hint="Switchboard sends each event there as a JSON POST."
          />
          <fieldset>
            <legend className="mb-1 block text-sm font-medium text-slate-700">Events</legend>
            <ul className="divide-y divide-slate-100 rounded-md ring-1 ring-inset ring-slate-200">
              {WEBHOOK_EVENTS.map((event) => (
                <li key={event.id}>
                  <label className="flex cursor-pointer items-start gap-3 px-3 py-2 text-sm">
                    <input
                      type="checkbox"
                      checked={form.events.includes(event.id)}
                      onChange={(change) => update({ events: toggled(form.events, event.id, change.target.checked) })}
                      data-testid="webhook-event"
                      data-event={event.id}
                      className="mt-0.5 size-4 rounded border-slate-300 accent-emerald-600"
                    />
                    <span className="min-w-0">
                      <span className="block font-medium text-slate-800">
                        {event.label} <code className="ml-1 font-mono text-xs font-normal text-slate-500">{event.id}</code>
                      </span>
                      <span className="block text-xs text-slate-500">{event.description}</span>
                    </span>
                  </label>
                </li>
              ))}
            </ul>
          </fieldset>
          <FormError message={error} />
        </ModalBody>
        <ModalFooter>
          <Button onClick={close} disabled={create.isPending}>
            Cancel
          </Button>
          <Button type="submit" variant="primary" busy={create.isPending} data-testid="webhook-create">
            Add webhook
          </Button>
        </ModalFooter>
      </form>
    </Modal>
  );
}

function CreatedWebhook({ created, onClose }: { created: CreatedSubscription; onClose: () => void }) {
  return (
    <Modal title="Webhook added" onClose={onClose} testId="webhook-created">
      <ModalBody>
        <p className="text-sm text-slate-700">
          Events now go to <span className="break-all font-medium text-slate-900">{created.subscription.url}</span>. Use
          this secret there to check that a post really comes from Switchboard.
        </p>
        <SecretReveal
          secret={created.secret}
          warning="Copy this secret now: it will not be shown again."
          testId="webhook-secret"
          copyTestId="webhook-copy"
        />
        <p className="text-xs text-slate-500" data-testid="webhook-verification">
          Each POST carries{" "}
          <code className="font-mono text-slate-700">
            Switchboard-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256 of "&lt;t&gt;.&lt;body&gt;" with this
            secret&gt;
          </code>
          . Compute the same HMAC over the timestamp, a dot and the raw body, compare, and refuse old timestamps.
        </p>
      </ModalBody>
      <ModalFooter>
        <Button variant="primary" onClick={onClose} data-testid="webhook-done">
          Done
        </Button>
      </ModalFooter>
    </Modal>
  );
}
