import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, errorMessage } from "../../api";
import type { InstanceId, Pacing } from "../../bindings";
import { Button } from "../../components/Button";
import { Field } from "../../components/Field";
import { FormError } from "../../components/FormError";
import { ChevronIcon } from "../../components/icons";
import { Spinner } from "../../components/Spinner";
import {
  describePace,
  intervalFromPerMinute,
  toPacing,
  toPacingForm,
  validatePacing,
  type PacingForm,
} from "../../pacing";
import { queryKeys, usePacing } from "../../queries";

export function PacingCard({ instanceId }: { instanceId: InstanceId }) {
  const [open, setOpen] = useState(false);
  const pacing = usePacing(instanceId, open);

  return (
    <section className="rounded-xl bg-white shadow-xs ring-1 ring-slate-200" data-testid="pacing-card">
      <button
        type="button"
        aria-expanded={open}
        onClick={() => setOpen((value) => !value)}
        data-testid="pacing-toggle"
        className="flex w-full items-center gap-2 px-5 py-3 text-left text-sm font-semibold text-slate-900"
      >
        <ChevronIcon className={`size-4 text-slate-400 transition-transform ${open ? "rotate-90" : ""}`} />
        Sending pace
        {pacing.data && !open && (
          <span className="ml-2 one-line text-xs font-normal text-slate-500">{describePace(pacing.data)}</span>
        )}
      </button>
      {open && (
        <div className="border-t border-slate-100 px-5 py-4">
          {pacing.isPending && (
            <p className="flex items-center gap-2 text-sm text-slate-500">
              <Spinner className="size-4" /> Loading…
            </p>
          )}
          {pacing.isError && (
            <p role="alert" className="text-sm text-red-700">
              {errorMessage(pacing.error)}
            </p>
          )}
          {pacing.data && <PacingEditor instanceId={instanceId} initial={pacing.data} />}
        </div>
      )}
    </section>
  );
}

function PacingEditor({ instanceId, initial }: { instanceId: InstanceId; initial: Pacing }) {
  const client = useQueryClient();
  const [form, setForm] = useState<PacingForm>(() => toPacingForm(initial));
  const [invalid, setInvalid] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);

  const save = useMutation({
    mutationFn: (pacing: Pacing) => api.setPacing(instanceId, pacing),
    onSuccess: (next) => {
      setSaved(true);
      client.setQueryData(queryKeys.pacing(instanceId), next);
    },
  });

  const update = (key: keyof PacingForm) => (value: string) => {
    setForm((current) => ({ ...current, [key]: value }));
    setInvalid(null);
    setSaved(false);
    save.reset();
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const problem = validatePacing(form);
    setInvalid(problem);
    if (problem === null) save.mutate(toPacing(form));
  };

  const error = invalid ?? (save.isError ? errorMessage(save.error) : null);
  const perMinute = Number(form.perMinute.replace(",", "."));
  const interval = perMinute > 0 ? intervalFromPerMinute(perMinute) : null;

  return (
    <form onSubmit={submit} noValidate className="space-y-4">
      <p className="text-sm text-slate-600">
        Messages from this number wait their turn: at least the interval below apart, plus a random extra delay so they do
        not tick like a machine. Campaigns follow the same pace.
      </p>
      <div className="grid gap-4 sm:grid-cols-3">
        <Field
          label="Messages per minute"
          inputMode="decimal"
          value={form.perMinute}
          onChange={(event) => update("perMinute")(event.target.value)}
          data-testid="pacing-interval"
          hint={interval !== null ? `One every ${(interval / 1000).toLocaleString()} s at most.` : "For example 20."}
        />
        <Field
          label="Random extra delay (s)"
          inputMode="decimal"
          value={form.jitter}
          onChange={(event) => update("jitter")(event.target.value)}
          data-testid="pacing-jitter"
          hint="Up to this much more, at random."
        />
        <Field
          label="Daily limit"
          inputMode="numeric"
          value={form.dailyQuota}
          onChange={(event) => update("dailyQuota")(event.target.value)}
          data-testid="pacing-quota"
          hint="Messages a day; the rest wait for tomorrow."
        />
      </div>
      <fieldset>
        <legend className="mb-1 text-sm font-medium text-slate-700">Quiet hours</legend>
        <div className="flex flex-wrap items-center gap-2 text-sm text-slate-600">
          <span>From</span>
          <input
            type="time"
            aria-label="Quiet hours start"
            value={form.quietStart}
            onChange={(event) => update("quietStart")(event.target.value)}
            data-testid="pacing-quiet-start"
            className="rounded-md border-0 bg-white px-3 py-1.5 text-sm shadow-xs ring-1 ring-inset ring-slate-300 focus:ring-2 focus:ring-emerald-600"
          />
          <span>to</span>
          <input
            type="time"
            aria-label="Quiet hours end"
            value={form.quietEnd}
            onChange={(event) => update("quietEnd")(event.target.value)}
            data-testid="pacing-quiet-end"
            className="rounded-md border-0 bg-white px-3 py-1.5 text-sm shadow-xs ring-1 ring-inset ring-slate-300 focus:ring-2 focus:ring-emerald-600"
          />
          {(form.quietStart !== "" || form.quietEnd !== "") && (
            <Button
              size="sm"
              variant="ghost"
              onClick={() => {
                update("quietStart")("");
                update("quietEnd")("");
              }}
              data-testid="pacing-quiet-clear"
            >
              No quiet hours
            </Button>
          )}
        </div>
        <p className="mt-1 text-xs text-slate-500">
          Nothing is sent between these times (local time); an overnight range like 22:00 to 07:00 works. Leave both empty
          for none.
        </p>
      </fieldset>
      <FormError message={error} />
      <div className="flex items-center justify-end gap-3">
        {saved && !error && (
          <span role="status" data-testid="pacing-saved" className="text-sm text-emerald-700">
            Pace saved.
          </span>
        )}
        <Button type="submit" variant="primary" busy={save.isPending} data-testid="pacing-save">
          Save
        </Button>
      </div>
    </form>
  );
}
