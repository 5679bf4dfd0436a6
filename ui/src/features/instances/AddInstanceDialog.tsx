import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, errorMessage } from "../../api";
import type { Instance } from "../../bindings";
import { Button } from "../../components/Button";
import { Field } from "../../components/Field";
import { FormError } from "../../components/FormError";
import { Modal, ModalBody, ModalFooter } from "../../components/Modal";
import { queryKeys } from "../../queries";
import { validateAddInstance, type AddInstanceForm } from "../../validation";
import { ProviderChoice } from "./ProviderChoice";

type Props = { onClose: () => void; onCreated: (instance: Instance) => void };

const EMPTY: AddInstanceForm = { displayName: "", provider: "native", serverUrl: "", apiKey: "" };

export function AddInstanceDialog({ onClose, onCreated }: Props) {
  const client = useQueryClient();
  const [form, setForm] = useState<AddInstanceForm>(EMPTY);
  const [invalid, setInvalid] = useState<string | null>(null);

  const create = useMutation({
    mutationFn: (values: AddInstanceForm) =>
      api.addInstance({
        displayName: values.displayName.trim(),
        provider:
          values.provider === "native"
            ? { kind: "native" }
            : { kind: "evolution", serverUrl: values.serverUrl.trim(), apiKey: values.apiKey.trim() },
      }),
    onSuccess: (instance) => {
      client.setQueryData<Instance[]>(queryKeys.instances, (list) =>
        list && !list.some((item) => item.id === instance.id) ? [...list, instance] : list,
      );
      void client.invalidateQueries({ queryKey: queryKeys.instances });
      onCreated(instance);
    },
  });

  const update = (key: "displayName" | "serverUrl" | "apiKey") => (value: string) => {
    setForm((current) => ({ ...current, [key]: value }));
    setInvalid(null);
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const problem = validateAddInstance(form);
    setInvalid(problem);
    if (problem === null) create.mutate(form);
  };

  const close = () => {
    if (!create.isPending) onClose();
  };

  const error = invalid ?? (create.isError ? errorMessage(create.error) : null);

  return (
    <Modal title="Add instance" onClose={close} testId="add-instance-dialog">
      <form onSubmit={submit} noValidate>
        <ModalBody>
          <Field
            label="Display name"
            placeholder="e.g. Store front desk"
            value={form.displayName}
            onChange={(event) => update("displayName")(event.target.value)}
            data-testid="display-name"
            autoComplete="off"
          />
          <ProviderChoice
            value={form.provider}
            onChange={(provider) => {
              setForm((current) => ({ ...current, provider }));
              setInvalid(null);
            }}
          />
          {form.provider === "native" ? (
            <p className="text-xs text-slate-500" data-testid="native-note">
              This computer becomes a linked device of the phone, like WhatsApp Web. Keep it on for the number to
              send and receive.
            </p>
          ) : (
            <>
          <Field
            label="Server URL"
            placeholder="http://localhost:8080"
            value={form.serverUrl}
            onChange={(event) => update("serverUrl")(event.target.value)}
            data-testid="server-url"
            autoComplete="off"
            spellCheck={false}
          />
          <Field
            label="Global API key"
            type="password"
            value={form.apiKey}
            onChange={(event) => update("apiKey")(event.target.value)}
            data-testid="api-key"
            autoComplete="off"
            hint="The AUTHENTICATION_API_KEY configured on the Evolution API server."
          />
            </>
          )}
          <FormError message={error} />
        </ModalBody>
        <ModalFooter>
          <Button onClick={close} disabled={create.isPending}>
            Cancel
          </Button>
          <Button type="submit" variant="primary" busy={create.isPending} data-testid="add-instance-submit">
            {create.isPending ? "Adding…" : "Add instance"}
          </Button>
        </ModalFooter>
      </form>
    </Modal>
  );
}
