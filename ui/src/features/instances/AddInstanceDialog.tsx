import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, errorMessage } from "../../api";
import { LIMITS, type Instance, type ProviderSetup } from "../../bindings";
import { Button } from "../../components/Button";
import { Field } from "../../components/Field";
import { FormError } from "../../components/FormError";
import { Modal, ModalBody, ModalFooter } from "../../components/Modal";
import { queryKeys } from "../../queries";
import { validateAddInstance, type AddInstanceForm } from "../../validation";
import { ProviderChoice } from "./ProviderChoice";

type Props = { onClose: () => void; onCreated: (instance: Instance) => void };

const EMPTY: AddInstanceForm = {
  displayName: "",
  provider: "native",
  serverUrl: "",
  apiKey: "",
  accessToken: "",
  phoneNumberId: "",
  businessAccountId: "",
  appSecret: "",
  apiVersion: "",
  graphUrl: "",
};

type TextKey = Exclude<keyof AddInstanceForm, "provider">;

/** What the engine is asked to create, from the form. */
function providerSetup(values: AddInstanceForm): ProviderSetup {
  const optional = (value: string) => (value.trim() === "" ? null : value.trim());
  switch (values.provider) {
    case "native":
      return { kind: "native" };
    case "evolution":
      return { kind: "evolution", serverUrl: values.serverUrl.trim(), apiKey: values.apiKey.trim() };
    case "cloud":
      return {
        kind: "cloud",
        accessToken: values.accessToken.trim(),
        phoneNumberId: values.phoneNumberId.trim(),
        businessAccountId: values.businessAccountId.trim(),
        appSecret: values.appSecret.trim(),
        apiVersion: optional(values.apiVersion),
        graphUrl: optional(values.graphUrl),
      };
  }
}

export function AddInstanceDialog({ onClose, onCreated }: Props) {
  const client = useQueryClient();
  const [form, setForm] = useState<AddInstanceForm>(EMPTY);
  const [invalid, setInvalid] = useState<string | null>(null);

  const create = useMutation({
    mutationFn: (values: AddInstanceForm) =>
      api.addInstance({
        displayName: values.displayName.trim(),
        provider: providerSetup(values),
      }),
    onSuccess: (instance) => {
      client.setQueryData<Instance[]>(queryKeys.instances, (list) =>
        list && !list.some((item) => item.id === instance.id) ? [...list, instance] : list,
      );
      void client.invalidateQueries({ queryKey: queryKeys.instances });
      onCreated(instance);
    },
  });

  const update = (key: TextKey) => (value: string) => {
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
      <form onSubmit={submit} noValidate className="flex min-h-0 flex-col">
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
          {form.provider === "native" && (
            <p className="text-xs text-slate-500" data-testid="native-note">
              This computer becomes a linked device of the phone, like WhatsApp Web. Keep it on for the number to
              send and receive.
            </p>
          )}
          {form.provider === "evolution" && (
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
          {form.provider === "cloud" && <CloudFields form={form} update={update} />}
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

/** Meta's Cloud API: what the App Dashboard shows under WhatsApp → API Setup and App settings. */
function CloudFields({ form, update }: { form: AddInstanceForm; update: (key: TextKey) => (value: string) => void }) {
  const field = (key: TextKey) => ({
    value: form[key],
    onChange: (event: { target: { value: string } }) => update(key)(event.target.value),
    autoComplete: "off",
    spellCheck: false,
  });
  return (
    <>
      <Field
        label="Access token"
        type="password"
        {...field("accessToken")}
        data-testid="cloud-access-token"
        hint="A system-user token with the whatsapp_business_messaging permission (Business settings → System users)."
      />
      <div className="grid grid-cols-2 gap-3">
        <Field label="Phone number id" inputMode="numeric" {...field("phoneNumberId")} data-testid="cloud-phone-number-id" />
        <Field
          label="WhatsApp Business Account id"
          inputMode="numeric"
          {...field("businessAccountId")}
          data-testid="cloud-business-account-id"
        />
      </div>
      <Field
        label="App secret"
        type="password"
        {...field("appSecret")}
        data-testid="cloud-app-secret"
        hint="App settings → Basic. Meta signs the webhooks it posts with it; Switchboard keeps it in the system keyring."
      />
      <details className="text-sm text-slate-600" data-testid="cloud-advanced">
        <summary className="cursor-pointer select-none text-xs font-medium text-slate-500">Advanced</summary>
        <div className="mt-2 grid grid-cols-2 gap-3">
          <Field label="Graph API version" placeholder={LIMITS.defaultCloudApiVersion} {...field("apiVersion")} data-testid="cloud-api-version" />
          <Field
            label="Graph API address"
            placeholder="https://graph.facebook.com/"
            {...field("graphUrl")}
            data-testid="cloud-graph-url"
          />
        </div>
      </details>
    </>
  );
}
