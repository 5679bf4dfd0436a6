import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useId, useMemo, useState, type FormEvent, type ReactNode } from "react";
import { api, errorMessage } from "../../api";
import type { Settings } from "../../bindings";
import { Button } from "../../components/Button";
import { Card } from "../../components/Card";
import { Field, inputClass } from "../../components/Field";
import { FormError } from "../../components/FormError";
import { Select } from "../../components/Select";
import { Switch } from "../../components/Switch";
import { queryKeys, usePhoneRegions } from "../../queries";
import { regionOptions } from "../../regions";
import {
  formatList,
  MAX_API_PORT,
  MIN_API_PORT,
  normaliseHosts,
  normaliseOrigins,
  parseList,
  optional,
  validateSettings,
  type SettingsForm as Form,
} from "../../validation";
import { ApiAddress } from "../api/ApiAddress";

function toForm(settings: Settings): Form {
  return {
    defaultRegion: settings.defaultRegion ?? "",
    webhookBaseUrl: settings.webhookBaseUrl ?? "",
    retentionDays: String(settings.retentionDays),
    privacyMode: settings.privacyMode,
    apiEnabled: settings.apiEnabled,
    apiPort: String(settings.apiPort),
    allowedHosts: formatList(settings.allowedHosts),
    allowedOrigins: formatList(settings.allowedOrigins),
    apiFileFolders: formatList(settings.apiFileFolders),
    optOutWords: settings.optOutWords.join(", "),
    optOutReply: settings.optOutReply ?? "",
    repeatWindowHours: String(settings.repeatWindowHours),
    numberCheckDays: String(settings.numberCheckDays),
  };
}

function toSettings(form: Form): Settings {
  return {
    defaultRegion: optional(form.defaultRegion),
    webhookBaseUrl: optional(form.webhookBaseUrl),
    retentionDays: Number(form.retentionDays.trim()),
    privacyMode: form.privacyMode,
    apiEnabled: form.apiEnabled,
    apiPort: Number(form.apiPort.trim()),
    allowedHosts: normaliseHosts(form.allowedHosts),
    allowedOrigins: normaliseOrigins(form.allowedOrigins),
    apiFileFolders: parseList(form.apiFileFolders),
    optOutWords: parseList(form.optOutWords),
    optOutReply: optional(form.optOutReply),
    repeatWindowHours: Number(form.repeatWindowHours.trim()),
    numberCheckDays: Number(form.numberCheckDays.trim()),
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
      setForm(toForm(next));
      // The listener moves to a new port, or stops answering, with the settings.
      void client.invalidateQueries({ queryKey: queryKeys.apiAddress });
      // A number typed the local way may now be read as another country's.
      void client.invalidateQueries({ queryKey: queryKeys.recipientChecks });
    },
  });

  const update = <K extends keyof Form>(key: K) => (value: Form[K]) => {
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
        <CountryField value={form.defaultRegion} onChange={update("defaultRegion")} />
        <Field
          label="Webhook address override (optional)"
          placeholder="https://switchboard.example.com"
          value={form.webhookBaseUrl}
          onChange={(event) => update("webhookBaseUrl")(event.target.value)}
          data-testid="settings-webhook-url"
          spellCheck={false}
          hint="Where servers should deliver events, if this computer is reached through another address. Leave empty to use the automatic one."
        />
        <Field
          label="Keep the message log for (days)"
          inputMode="numeric"
          value={form.retentionDays}
          onChange={(event) => update("retentionDays")(event.target.value)}
          data-testid="settings-retention"
          hint="Older messages are deleted from the log. Statistics are kept."
          className="max-w-xs"
        />
        <div className="flex items-start gap-3">
          <input
            id="settings-privacy"
            type="checkbox"
            checked={form.privacyMode}
            onChange={(event) => update("privacyMode")(event.target.checked)}
            data-testid="settings-privacy"
            className="mt-0.5 size-4 rounded border-slate-300 accent-emerald-600"
          />
          <label htmlFor="settings-privacy" className="text-sm">
            <span className="block font-medium text-slate-700">Privacy mode</span>
            <span className="block text-xs text-slate-500">
              Keeps statistics but no message content: texts are dropped from the log once they are sent or received.
            </span>
          </label>
        </div>

        <fieldset className="space-y-4 border-t border-slate-100 pt-5" data-testid="settings-opt-out">
          <legend className="text-sm font-semibold text-slate-900">Opt-outs and repeats</legend>
          <Field
            label="Words that opt a customer out"
            value={form.optOutWords}
            onChange={(event) => update("optOutWords")(event.target.value)}
            data-testid="settings-opt-out-words"
            spellCheck={false}
            hint="A customer whose whole message is one of these (any case or accents) is marked opted out: campaigns skip them and sends to them are refused. Separate words with commas; leave empty to turn this off."
          />
          <Field
            label="Confirmation sent to them"
            value={form.optOutReply}
            onChange={(event) => update("optOutReply")(event.target.value)}
            data-testid="settings-opt-out-reply"
            placeholder="Nothing is sent"
            hint="Sent once, right after they opt out."
          />
          <Field
            label="Hold the same text to the same person for (hours)"
            inputMode="numeric"
            value={form.repeatWindowHours}
            onChange={(event) => update("repeatWindowHours")(event.target.value)}
            data-testid="settings-repeat-hours"
            className="max-w-xs"
            hint="A second identical text within this time is held until you confirm it (0: never). Repeats are a ban signal."
          />
          <Field
            label="Trust a check of whether a number is on WhatsApp for (days)"
            inputMode="numeric"
            value={form.numberCheckDays}
            onChange={(event) => update("numberCheckDays")(event.target.value)}
            data-testid="settings-number-check-days"
            className="max-w-xs"
            hint="Campaigns check their numbers first, a few at a time, and skip those not on WhatsApp; the answers are kept this long."
          />
        </fieldset>

        <fieldset className="space-y-5 border-t border-slate-100 pt-5" data-testid="settings-local-api">
          <legend className="sr-only">Local API</legend>
          <div className="flex items-start justify-between gap-4">
            <div>
              <h2 className="text-sm font-semibold text-slate-900">Local API</h2>
              <ApiAddress className="mt-1" />
            </div>
          </div>
          <div className="flex items-start gap-3">
            <Switch
              id="settings-api-enabled"
              checked={form.apiEnabled}
              onChange={(event) => update("apiEnabled")(event.target.checked)}
              data-testid="settings-api-enabled"
              className="mt-0.5"
            />
            <label htmlFor="settings-api-enabled" className="text-sm">
              <span className="block font-medium text-slate-700">Allow local apps</span>
              <span className="block text-xs text-slate-500">
                Other apps on this computer can use Switchboard over HTTP.
              </span>
            </label>
          </div>
          <Field
            label="Port"
            inputMode="numeric"
            value={form.apiPort}
            onChange={(event) => update("apiPort")(event.target.value)}
            data-testid="settings-api-port"
            hint={`${MIN_API_PORT}–${MAX_API_PORT}. Provider webhooks arrive on the same port; saving moves the listener at once.`}
            className="max-w-xs"
          />
          <ListField
            label="Allowed host names"
            placeholder="switchboard.lan"
            value={form.allowedHosts}
            onChange={update("allowedHosts")}
            testId="settings-allowed-hosts"
            hint="Host names besides localhost the API answers to. One per line."
          />
          <ListField
            label="Allowed browser origins"
            placeholder="https://app.example.com"
            value={form.allowedOrigins}
            onChange={update("allowedOrigins")}
            testId="settings-allowed-origins"
            hint="Web pages allowed to call the API from a browser (none by default). One per line."
          />
          <ListField
            label="Folders local apps may send files from"
            placeholder="/home/me/invoices"
            value={form.apiFileFolders}
            onChange={update("apiFileFolders")}
            testId="settings-api-file-folders"
            hint="Local apps can send a file by its path only from these folders (none by default: they send links). Files you choose in this window are not limited. One per line."
          />
        </fieldset>
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

/** The country whose numbers may be typed without a country code; "" for none. */
function CountryField({ value, onChange }: { value: string; onChange: (region: string) => void }) {
  const id = useId();
  const regions = usePhoneRegions();
  const options = useMemo(
    () => regionOptions(regions.data ?? [], optional(value), navigator.language),
    [regions.data, value],
  );
  return (
    <div className="max-w-sm">
      <label htmlFor={id} className="mb-1 block text-sm font-medium text-slate-700">
        Default country
      </label>
      <Select id={id} value={value} onChange={(event) => onChange(event.target.value)} data-testid="settings-country">
        <option value="">None — always type the country code</option>
        {options.map((option) => (
          <option key={option.region} value={option.region}>
            {option.label}
          </option>
        ))}
      </Select>
      <p className="mt-1 text-xs text-slate-500">
        Numbers typed without a country code, like (11) 98765-4321, are read as numbers of this country.
      </p>
    </div>
  );
}

type ListFieldProps = {
  label: string;
  placeholder: string;
  value: string;
  onChange: (value: string) => void;
  testId: string;
  hint: ReactNode;
};

/** A list typed one item per line (commas work too). */
function ListField({ label, placeholder, value, onChange, testId, hint }: ListFieldProps) {
  const id = useId();
  return (
    <div>
      <label htmlFor={id} className="mb-1 block text-sm font-medium text-slate-700">
        {label}
      </label>
      <textarea
        id={id}
        rows={2}
        placeholder={placeholder}
        value={value}
        onChange={(event) => onChange(event.target.value)}
        data-testid={testId}
        spellCheck={false}
        autoCapitalize="off"
        autoCorrect="off"
        className={`${inputClass} resize-y font-mono text-xs`}
      />
      <p className="mt-1 text-xs text-slate-500">{hint}</p>
    </div>
  );
}
