import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState, type ChangeEvent, type FormEvent, type ReactNode } from "react";
import { api, errorMessage } from "../../api";
import type { Campaign, CampaignDraft, CampaignPreview, Instance } from "../../bindings";
import {
  csvColumns,
  insertPlaceholder,
  placeholder,
  toCampaignDraft,
  validateCampaignPreview,
  validateCampaignStart,
  type CampaignForm,
} from "../../campaigns";
import { fromDateTimeLocal, toDateTimeLocal, validateSchedule } from "../../compose";
import { Button } from "../../components/Button";
import { Field, inputClass } from "../../components/Field";
import { FormError } from "../../components/FormError";
import { Modal, ModalBody, ModalFooter } from "../../components/Modal";
import { Select } from "../../components/Select";
import { formatPhone, instanceStatusLabel, plural, truncate } from "../../format";
import { useInvalidate } from "../../hooks/useInvalidate";
import { queryKeys, useLabels } from "../../queries";

type Props = { instances: Instance[]; onClose: () => void };

/** How often a preview waiting for number checks reads their answers again. */
const PREVIEW_RECHECK_MS = 3_000;

/** Everything the preview depends on (the name does not change what is sent). */
function previewKey(draft: CampaignDraft): string {
  return JSON.stringify([draft.instanceId, draft.csv, draft.labelId, draft.template, draft.scheduledAt]);
}

function defaultInstance(instances: Instance[]): string {
  return (instances.find((instance) => instance.status === "connected") ?? instances[0])?.id ?? "";
}

export function NewCampaignDialog({ instances, onClose }: Props) {
  const client = useQueryClient();
  const invalidate = useInvalidate();
  const [form, setForm] = useState<CampaignForm>(() => ({
    instanceId: defaultInstance(instances),
    name: "",
    csv: "",
    labelId: null,
    template: "",
    schedule: "",
  }));
  const labels = useLabels();
  const [fileName, setFileName] = useState<string | null>(null);
  const [invalid, setInvalid] = useState<string | null>(null);
  const [preview, setPreview] = useState<{ key: string; data: CampaignPreview } | null>(null);
  const template = useRef<HTMLTextAreaElement>(null);

  const draft = toCampaignDraft(form, form.schedule.trim() === "" ? null : fromDateTimeLocal(form.schedule));
  const currentKey = previewKey(draft);
  const previewIsCurrent = preview !== null && preview.key === currentKey;

  const check = useMutation({
    mutationFn: (values: CampaignDraft) => api.previewCampaign(values),
    onSuccess: (data, values) => setPreview({ key: previewKey(values), data }),
  });

  const start = useMutation({
    mutationFn: (values: CampaignDraft) => api.createCampaign(values),
    onSuccess: (campaign) => {
      client.setQueryData<Campaign[]>(queryKeys.campaigns, (list) =>
        list && !list.some((item) => item.id === campaign.id) ? [campaign, ...list] : list,
      );
      invalidate(queryKeys.campaigns, queryKeys.messages);
      onClose();
    },
  });

  const busy = check.isPending || start.isPending;

  // The numbers are checked for being on WhatsApp at a gentle pace: the preview reads the answers
  // again until every number has one.
  const waitingForChecks = previewIsCurrent && preview.data.unchecked > 0 ? preview.key : null;
  useEffect(() => {
    if (waitingForChecks === null) return;
    const values = draft;
    const timer = window.setTimeout(() => {
      api
        .previewCampaign(values)
        .then((data) => setPreview((current) => (current?.key === waitingForChecks ? { key: waitingForChecks, data } : current)))
        .catch(() => undefined);
    }, PREVIEW_RECHECK_MS);
    return () => window.clearTimeout(timer);
    // The draft is what the key spells out; each new preview starts the next wait.
  }, [waitingForChecks, preview]);

  const update = (patch: Partial<CampaignForm>) => {
    setForm((current) => ({ ...current, ...patch }));
    setInvalid(null);
    check.reset();
    start.reset();
  };

  const runPreview = (event?: FormEvent) => {
    event?.preventDefault();
    if (busy) return;
    const problem = validateCampaignPreview(form) ?? validateSchedule(form.schedule, Date.now());
    setInvalid(problem);
    start.reset();
    if (problem === null) check.mutate(draft);
  };

  const runStart = () => {
    if (busy) return;
    const problem = validateCampaignStart(form) ?? validateSchedule(form.schedule, Date.now());
    setInvalid(problem);
    check.reset();
    if (problem === null) start.mutate(draft);
  };

  const readFile = (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    event.target.value = "";
    if (!file) return;
    const reader = new FileReader();
    reader.onload = () => {
      update({ csv: typeof reader.result === "string" ? reader.result : "" });
      setFileName(file.name);
    };
    reader.onerror = () => setInvalid(`The file ${file.name} could not be read. Try saving it again as CSV.`);
    reader.readAsText(file);
  };

  const addColumn = (column: string) => {
    const box = template.current;
    const { text, cursor } = insertPlaceholder(form.template, column, box?.selectionStart ?? null, box?.selectionEnd ?? null);
    update({ template: text });
    window.requestAnimationFrame(() => {
      box?.focus();
      box?.setSelectionRange(cursor, cursor);
    });
  };

  const close = () => {
    if (!start.isPending) onClose();
  };

  const columns = preview?.data.columns ?? (form.labelId === null ? csvColumns(form.csv) : ["phone", "name"]);
  const error =
    invalid ?? (check.isError ? errorMessage(check.error) : start.isError ? errorMessage(start.error) : null);
  const canStart = previewIsCurrent && preview.data.valid > 0;

  return (
    <Modal title="New campaign" onClose={close} width="lg" testId="campaign-dialog">
      <form onSubmit={runPreview} noValidate className="flex min-h-0 flex-col">
        <ModalBody>
          <div className="grid gap-4 sm:grid-cols-2">
            <Labelled label="Send from">
              {(id) => (
                <Select
                  id={id}
                  value={form.instanceId}
                  onChange={(event) => update({ instanceId: event.target.value })}
                  data-testid="campaign-instance"
                >
                  {instances.length === 0 && <option value="">No instances yet</option>}
                  {instances.map((instance) => (
                    <option key={instance.id} value={instance.id}>
                      {instance.status === "connected"
                        ? instance.displayName
                        : `${instance.displayName} (${instanceStatusLabel(instance.status).toLowerCase()})`}
                    </option>
                  ))}
                </Select>
              )}
            </Labelled>
            <Field
              label="Name"
              placeholder="e.g. Order updates, March"
              value={form.name}
              onChange={(event) => update({ name: event.target.value })}
              data-testid="campaign-name"
              autoComplete="off"
            />
          </div>

          {(labels.data?.length ?? 0) > 0 && (
            <Labelled label="Recipients">
              {(id) => (
                <select
                  id={id}
                  value={form.labelId ?? ""}
                  onChange={(event) => update({ labelId: event.target.value ? Number(event.target.value) : null })}
                  data-testid="campaign-label"
                  className={inputClass}
                >
                  <option value="">From a CSV file</option>
                  {(labels.data ?? []).map((label) => (
                    <option key={label.id} value={label.id}>
                      Every contact labelled {label.name}
                    </option>
                  ))}
                </select>
              )}
            </Labelled>
          )}

          {form.labelId === null && <Labelled label="Recipients (CSV)">
            {(id) => (
              <div className="space-y-2">
                <div className="flex flex-wrap items-center gap-2 text-xs text-slate-500">
                  <label className="inline-flex cursor-pointer items-center rounded-md bg-white px-2.5 py-1.5 text-xs font-medium text-slate-700 shadow-xs ring-1 ring-inset ring-slate-300 hover:bg-slate-50">
                    Choose CSV file…
                    <input
                      type="file"
                      accept=".csv,text/csv,text/plain"
                      onChange={readFile}
                      data-testid="campaign-csv-file"
                      className="sr-only"
                    />
                  </label>
                  {fileName ? (
                    <span data-testid="campaign-csv-name" className="font-medium text-slate-700">
                      {fileName}
                    </span>
                  ) : (
                    <span>or paste it below: a header row first, then one person per row.</span>
                  )}
                </div>
                <textarea
                  id={id}
                  rows={5}
                  placeholder={"name,phone\nMaria,+55 11 90000-0002"}
                  value={form.csv}
                  onChange={(event) => {
                    update({ csv: event.target.value });
                    setFileName(null);
                  }}
                  data-testid="campaign-csv"
                  spellCheck={false}
                  className={`${inputClass} resize-y font-mono text-xs`}
                />
              </div>
            )}
          </Labelled>}

          <Labelled label="Message template">
            {(id) => (
              <div className="space-y-2">
                <textarea
                  id={id}
                  ref={template}
                  rows={3}
                  placeholder="{Olá|Oi} {{name}}! Seu pedido foi enviado."
                  value={form.template}
                  onChange={(event) => update({ template: event.target.value })}
                  data-testid="campaign-template"
                  className={`${inputClass} resize-y`}
                />
                {columns.length > 0 ? (
                  <div className="flex flex-wrap items-center gap-1.5 text-xs text-slate-500" data-testid="campaign-columns">
                    <span>Insert a column:</span>
                    {columns.map((column) => (
                      <button
                        key={column}
                        type="button"
                        onClick={() => addColumn(column)}
                        data-testid="campaign-column"
                        className="rounded-full bg-emerald-50 px-2 py-0.5 font-mono text-emerald-800 ring-1 ring-inset ring-emerald-600/20 hover:bg-emerald-100"
                      >
                        {placeholder(column)}
                      </button>
                    ))}
                  </div>
                ) : (
                  <p className="text-xs text-slate-500">
                    Write {placeholder("column")} where a value from the file should go; the columns appear here once the
                    file is in.
                  </p>
                )}
                <p className="text-xs text-slate-500">
                  Vary the wording with {"{Olá|Oi|Bom dia}"}: each person gets one of the choices, so not everyone
                  receives the same text. Write {"\\{"} for a brace itself.
                </p>
              </div>
            )}
          </Labelled>

          <Labelled label="Start">
            {(id) => (
              <div>
                <input
                  id={id}
                  type="datetime-local"
                  value={form.schedule}
                  min={toDateTimeLocal(Date.now())}
                  onChange={(event) => update({ schedule: event.target.value })}
                  data-testid="campaign-schedule"
                  className={`${inputClass} max-w-[14rem]`}
                />
                <p className="mt-1 text-xs text-slate-500">Optional. Leave empty to start right away.</p>
              </div>
            )}
          </Labelled>

          {preview && <PreviewResult preview={preview.data} stale={!previewIsCurrent} />}
          <FormError message={error} />
        </ModalBody>
        <ModalFooter>
          <Button onClick={close} disabled={start.isPending}>
            Cancel
          </Button>
          <Button type="submit" busy={check.isPending} disabled={start.isPending} data-testid="campaign-preview">
            Preview
          </Button>
          <Button
            variant="primary"
            busy={start.isPending}
            disabled={!canStart || check.isPending}
            title={canStart ? undefined : "Preview the campaign first."}
            onClick={runStart}
            data-testid="campaign-start"
          >
            Start campaign
          </Button>
        </ModalFooter>
      </form>
    </Modal>
  );
}

function Labelled({ label, children }: { label: string; children: (id: string) => ReactNode }) {
  const id = useId();
  return (
    <div>
      <label htmlFor={id} className="mb-1 block text-sm font-medium text-slate-700">
        {label}
      </label>
      {children(id)}
    </div>
  );
}

function PreviewResult({ preview, stale }: { preview: CampaignPreview; stale: boolean }) {
  const skipped = preview.problems.length;
  return (
    <section
      data-testid="campaign-preview-result"
      className={`space-y-3 rounded-lg bg-slate-50 p-4 ring-1 ring-inset ring-slate-200 ${stale ? "opacity-60" : ""}`}
    >
      {stale && (
        <p className="text-xs font-medium text-amber-800">The campaign changed since this preview. Preview it again.</p>
      )}
      <p className="text-sm text-slate-700">
        <span data-testid="campaign-rows" data-count={preview.rows}>
          {plural(preview.rows, "row")}
        </span>
        {" · "}
        <span data-testid="campaign-valid" data-count={preview.valid} className="font-medium text-emerald-700">
          {preview.valid.toLocaleString()} ready to send
        </span>
        {skipped > 0 && (
          <>
            {" · "}
            <span className="font-medium text-red-700">{skipped.toLocaleString()} skipped</span>
          </>
        )}
        <span className="text-slate-500"> · numbers from the column “{preview.phoneColumn}”</span>
      </p>
      {preview.unchecked > 0 && (
        <p data-testid="campaign-unchecked" data-count={preview.unchecked} className="text-xs text-slate-600">
          Checking {plural(preview.unchecked, "number")} on WhatsApp, a few at a time… Numbers that are not on WhatsApp
          will be skipped; the campaign can start meanwhile and waits for the answers.
        </p>
      )}
      {preview.samples.length > 0 && (
        <div>
          <h4 className="mb-1 text-xs font-semibold uppercase tracking-wide text-slate-500">
            {preview.samples.length < preview.valid ? `First ${preview.samples.length} messages` : "Messages"}
          </h4>
          <ul className="divide-y divide-slate-200 rounded-md bg-white ring-1 ring-slate-200">
            {preview.samples.map((sample) => (
              <li
                key={sample.line}
                data-testid="campaign-sample"
                data-line={sample.line}
                className="grid grid-cols-[3.5rem_9rem_minmax(0,1fr)] gap-2 px-3 py-2 text-sm"
              >
                <span className="text-xs tabular-nums text-slate-400">Line {sample.line}</span>
                <span className="one-line tabular-nums text-slate-600">{formatPhone(sample.to)}</span>
                <span className="break-words text-slate-800" data-selectable>
                  {truncate(sample.text, 300)}
                </span>
              </li>
            ))}
          </ul>
        </div>
      )}
      {preview.variantCount > 1 && (
        <div data-testid="campaign-variants" data-count={preview.variantCount}>
          <h4 className="mb-1 text-xs font-semibold uppercase tracking-wide text-slate-500">
            {preview.variantCount >= 1_000_000
              ? "Over a million wordings"
              : `${preview.variantCount.toLocaleString()} wordings`}
            , for example
          </h4>
          <ul className="list-inside list-disc space-y-0.5 text-sm text-slate-700">
            {preview.variants.map((variant) => (
              <li key={variant} className="break-words" data-selectable>
                {truncate(variant, 300)}
              </li>
            ))}
          </ul>
        </div>
      )}
      {skipped > 0 && (
        <div>
          <h4 className="mb-1 text-xs font-semibold uppercase tracking-wide text-red-700">
            {skipped === 1 ? "This row will be skipped" : `These ${skipped.toLocaleString()} rows will be skipped`}
          </h4>
          <ul className="max-h-48 divide-y divide-red-100 overflow-y-auto rounded-md bg-white ring-1 ring-red-200">
            {preview.problems.map((problem, index) => (
              <li
                key={`${problem.line}-${index}`}
                data-testid="campaign-problem"
                data-line={problem.line}
                className="grid grid-cols-[3.5rem_minmax(0,1fr)] gap-2 px-3 py-2 text-sm"
              >
                <span className="text-xs tabular-nums text-slate-500">Line {problem.line}</span>
                <span className="text-red-800">{problem.reason}</span>
              </li>
            ))}
          </ul>
        </div>
      )}
      {preview.valid === 0 && (
        <p className="text-sm font-medium text-red-700">No row can become a message, so there is nothing to start.</p>
      )}
    </section>
  );
}
