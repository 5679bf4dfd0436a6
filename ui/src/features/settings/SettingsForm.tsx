import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, errorMessage } from "../../api";
import type { Settings } from "../../bindings";
import { Button } from "../../components/Button";
import { Card } from "../../components/Card";
import { Field } from "../../components/Field";
import { FormError } from "../../components/FormError";
import { queryKeys } from "../../queries";
import { optional, validateSettings, type SettingsForm as Form } from "../../validation";

function toForm(settings: Settings): Form {
  return {
    defaultCountryCode: settings.defaultCountryCode ?? "",
    webhookBaseUrl: settings.webhookBaseUrl ?? "",
  };
}

function toSettings(form: Form): Settings {
  return {
    defaultCountryCode: optional(form.defaultCountryCode.replace(/^\s*\+/, "")),
    webhookBaseUrl: optional(form.webhookBaseUrl),
  };
}

export function SettingsForm({ initial }: { initial: Settings }) {
  const client = useQueryClient();
  const [form, setForm] = useState<Form>(() => toForm(initial));
  const [invalid, setInvalid] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);

  const save = useMutation({
    mutationFn: (values: Form) => api.updateSettings(toSettings(values)),
    onSuccess: (next) => {
      setSaved(true);
      client.setQueryData(queryKeys.settings, next);
    },
  });

  const update = (key: keyof Form) => (value: string) => {
    setForm((current) => ({ ...current, [key]: value }));
    setInvalid(null);
    setSaved(false);
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const problem = validateSettings(form);
    setInvalid(problem);
    if (problem === null) save.mutate(form);
  };

  const error = invalid ?? (save.isError ? errorMessage(save.error) : null);

  return (
    <Card>
      <form onSubmit={submit} noValidate className="space-y-5">
        <Field
          label="Default country code"
          placeholder="55"
          inputMode="numeric"
          value={form.defaultCountryCode}
          onChange={(event) => update("defaultCountryCode")(event.target.value)}
          data-testid="settings-country-code"
          hint="Added to phone numbers typed without one. For Brazil, use 55."
          className="max-w-xs"
        />
        <Field
          label="Webhook address override (optional)"
          placeholder="https://switchboard.example.com"
          value={form.webhookBaseUrl}
          onChange={(event) => update("webhookBaseUrl")(event.target.value)}
          data-testid="settings-webhook-url"
          spellCheck={false}
          hint="Where servers should deliver events, if this computer is reached through another address. Leave empty to use the automatic one."
        />
        <FormError message={error} />
        <div className="flex items-center justify-end gap-3">
          {saved && !error && (
            <span role="status" data-testid="settings-saved" className="text-sm text-emerald-700">
              Settings saved.
            </span>
          )}
          <Button type="submit" variant="primary" busy={save.isPending} data-testid="settings-save">
            Save
          </Button>
        </div>
      </form>
    </Card>
  );
}
