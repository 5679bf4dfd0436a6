import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, errorMessage } from "../../api";
import type { ApiKey, CreatedApiKey, Instance } from "../../bindings";
import { Button } from "../../components/Button";
import { Field } from "../../components/Field";
import { FormError } from "../../components/FormError";
import { Modal, ModalBody, ModalFooter } from "../../components/Modal";
import { SecretReveal } from "../../components/SecretReveal";
import { Pill } from "../../components/Pill";
import { instanceStatusLabel, instanceStatusTone } from "../../format";
import {
  EMPTY_API_KEY_FORM,
  MAX_KEY_NAME,
  toggled,
  toNewApiKey,
  validateApiKey,
  type ApiKeyForm,
} from "../../localApi";
import { queryKeys } from "../../queries";

type Props = { instances: Instance[]; onClose: () => void };

export function NewApiKeyDialog({ instances, onClose }: Props) {
  const client = useQueryClient();
  const [form, setForm] = useState<ApiKeyForm>(EMPTY_API_KEY_FORM);
  const [invalid, setInvalid] = useState<string | null>(null);

  const create = useMutation({
    mutationFn: (values: ApiKeyForm) => api.createApiKey(toNewApiKey(values)),
    onSuccess: ({ key }) => {
      client.setQueryData<ApiKey[]>(queryKeys.apiKeys, (list) =>
        list && !list.some((item) => item.id === key.id) ? [key, ...list] : list,
      );
      void client.invalidateQueries({ queryKey: queryKeys.apiKeys });
    },
  });

  const update = (patch: Partial<ApiKeyForm>) => {
    setForm((current) => ({ ...current, ...patch }));
    setInvalid(null);
    create.reset();
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const problem = validateApiKey(form);
    setInvalid(problem);
    if (problem === null) create.mutate(form);
  };

  const close = () => {
    if (!create.isPending) onClose();
  };

  if (create.data) return <CreatedKey created={create.data} onClose={onClose} />;

  const error = invalid ?? (create.isError ? errorMessage(create.error) : null);

  return (
    <Modal title="New API key" onClose={close} testId="api-key-dialog">
      <form onSubmit={submit} noValidate className="flex min-h-0 flex-col">
        <ModalBody>
          <Field
            label="Name"
            placeholder="e.g. Store website"
            value={form.name}
            maxLength={MAX_KEY_NAME}
            onChange={(event) => update({ name: event.target.value })}
            data-testid="api-key-name"
            autoComplete="off"
            hint="The app that will use it, so you recognise the key later."
          />
          <fieldset>
            <legend className="mb-1 block text-sm font-medium text-slate-700">Numbers it may use</legend>
            {instances.length === 0 ? (
              <p className="text-sm text-slate-500">
                No numbers yet: a key can use only numbers you have added, or ones it adds itself.
              </p>
            ) : (
              <ul className="divide-y divide-slate-100 rounded-md ring-1 ring-inset ring-slate-200">
                {instances.map((instance) => (
                  <li key={instance.id}>
                    <label className="flex cursor-pointer items-center gap-3 px-3 py-2 text-sm">
                      <input
                        type="checkbox"
                        checked={form.instanceIds.includes(instance.id)}
                        onChange={(event) =>
                          update({ instanceIds: toggled(form.instanceIds, instance.id, event.target.checked) })
                        }
                        data-testid="api-key-instance"
                        data-instance-id={instance.id}
                        className="size-4 rounded border-slate-300 accent-emerald-600"
                      />
                      <span className="min-w-0 flex-1 one-line font-medium text-slate-800">{instance.displayName}</span>
                      <Pill tone={instanceStatusTone(instance.status)} label={instanceStatusLabel(instance.status)} />
                    </label>
                  </li>
                ))}
              </ul>
            )}
          </fieldset>
          <label className="flex cursor-pointer items-start gap-3 text-sm">
            <input
              type="checkbox"
              checked={form.managesNumbers}
              onChange={(event) => update({ managesNumbers: event.target.checked })}
              data-testid="api-key-manages"
              className="mt-0.5 size-4 rounded border-slate-300 accent-emerald-600"
            />
            <span>
              <span className="font-medium text-slate-800">May also manage numbers</span>
              <span className="block text-slate-500">
                Add numbers, link them, restart, log out and delete them, as in this window. Numbers it adds are its
                own to use.
              </span>
            </span>
          </label>
          <Field
            label="Daily limit (optional)"
            placeholder="No limit"
            inputMode="numeric"
            value={form.dailyLimit}
            onChange={(event) => update({ dailyLimit: event.target.value })}
            data-testid="api-key-limit"
            hint="At most this many messages a day through this key. Each number's own pace still applies."
            className="max-w-xs"
          />
          <FormError message={error} />
        </ModalBody>
        <ModalFooter>
          <Button onClick={close} disabled={create.isPending}>
            Cancel
          </Button>
          <Button
            type="submit"
            variant="primary"
            busy={create.isPending}
            disabled={instances.length === 0 && !form.managesNumbers}
            data-testid="api-key-create"
          >
            Create key
          </Button>
        </ModalFooter>
      </form>
    </Modal>
  );
}

function CreatedKey({ created, onClose }: { created: CreatedApiKey; onClose: () => void }) {
  return (
    <Modal title="API key created" onClose={onClose} testId="api-key-created">
      <ModalBody>
        <p className="text-sm text-slate-700">
          Give this key to <span className="font-semibold text-slate-900">{created.key.name}</span>. It sends it with each
          request as <code className="font-mono text-xs">Authorization: Bearer &lt;key&gt;</code>.
        </p>
        <SecretReveal
          secret={created.secret}
          warning="Copy this key now: it will not be shown again."
          testId="api-key-secret"
          copyTestId="api-key-copy"
        />
      </ModalBody>
      <ModalFooter>
        <Button variant="primary" onClick={onClose} data-testid="api-key-done">
          Done
        </Button>
      </ModalFooter>
    </Modal>
  );
}
