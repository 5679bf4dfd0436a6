import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, errorMessage } from "../../api";
import type { GuardRules, InstanceId, SendingHealth } from "../../bindings";
import { Button } from "../../components/Button";
import { Card } from "../../components/Card";
import { Field } from "../../components/Field";
import { FormError } from "../../components/FormError";
import { Switch } from "../../components/Switch";
import { formatDateTime } from "../../format";
import { useInvalidate } from "../../hooks/useInvalidate";
import { describePace } from "../../pacing";
import { queryKeys, useSendingHealth } from "../../queries";
import {
  describeHold,
  describeSignal,
  describeWarmUp,
  MOST_SIGNS,
  parseDailyLimits,
  toGuardForm,
  toGuardRules,
  type GuardForm,
} from "../../sending";

/** Today's sending, the pace, and the guard that pauses the number when WhatsApp pushes back. */
export function SendingHealthCard({ instanceId }: { instanceId: InstanceId }) {
  const health = useSendingHealth(instanceId);
  return (
    <Card title="Sending health" data-testid="sending-health">
      {health.isError && (
        <p role="alert" className="text-sm text-red-700">
          {errorMessage(health.error)}
        </p>
      )}
      {health.data && <HealthPanel instanceId={instanceId} health={health.data} />}
    </Card>
  );
}

function HealthPanel({ instanceId, health }: { instanceId: InstanceId; health: SendingHealth }) {
  const invalidate = useInvalidate();
  const resume = useMutation({
    mutationFn: () => api.resumeSending(instanceId),
    onSettled: () => {
      invalidate(queryKeys.sendingHealth(instanceId));
      invalidate(queryKeys.instances);
      invalidate(queryKeys.campaigns);
    },
  });
  return (
    <div className="space-y-4">
      {health.paused && (
        <div role="alert" className="rounded-lg bg-amber-50 p-4 ring-1 ring-amber-200" data-testid="sending-paused">
          <p className="text-sm font-semibold text-amber-900">Sending paused: {describeSignal(health.paused.signal)}</p>
          <p className="mt-1 text-sm text-amber-900">{health.paused.reason}</p>
          <p className="mt-1 text-xs text-amber-800">
            Since {formatDateTime(health.paused.since)}. Queued messages and this number&apos;s campaigns wait. Resume
            once the number is healthy (check the phone; slow the pace if needed).
          </p>
          <Button
            variant="primary"
            className="mt-3"
            onClick={() => resume.mutate()}
            busy={resume.isPending}
            data-testid="resume-sending"
          >
            Resume sending
          </Button>
          <FormError message={resume.isError ? errorMessage(resume.error) : null} />
        </div>
      )}
      <dl className="grid grid-cols-3 gap-3 text-center" data-testid="sending-today">
        <Figure label="Sent today" value={health.sent} />
        <Figure label="Failed today" value={health.failed} />
        <Figure label="Refused before sending" value={health.refused} />
      </dl>
      <p className="text-sm text-slate-600">
        Pace: {describePace(health.pacing)}, at most {health.pacing.dailyQuota} a day.
      </p>
      <WarmUpControl instanceId={instanceId} health={health} />
      {health.held && !health.paused && (
        <p className="text-sm text-slate-600" data-testid="sending-held">
          {describeHold(health.held)}
        </p>
      )}
      <GuardEditor instanceId={instanceId} rules={health.rules} />
    </div>
  );
}

function Figure({ label, value }: { label: string; value: number }) {
  return (
    <div className="rounded-lg bg-slate-50 px-3 py-2">
      <dd className="text-lg font-semibold tabular-nums text-slate-900">{value}</dd>
      <dt className="text-xs text-slate-500">{label}</dt>
    </div>
  );
}

function GuardEditor({ instanceId, rules }: { instanceId: InstanceId; rules: GuardRules }) {
  const client = useQueryClient();
  const [open, setOpen] = useState(false);
  const [form, setForm] = useState<GuardForm>(() => toGuardForm(rules));
  const [invalid, setInvalid] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: (next: GuardRules) => api.setGuardRules(instanceId, next),
    onSuccess: (next) => {
      client.setQueryData<SendingHealth>(queryKeys.sendingHealth(instanceId), (old) =>
        old ? { ...old, rules: next } : old,
      );
      setOpen(false);
    },
  });
  const update = (change: Partial<GuardForm>) => {
    setForm((current) => ({ ...current, ...change }));
    setInvalid(null);
    save.reset();
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const next = toGuardRules(form);
    if (typeof next === "string") setInvalid(next);
    else save.mutate(next);
  };

  if (!open) {
    return (
      <p className="flex flex-wrap items-center gap-x-3 gap-y-1 text-sm text-slate-600">
        <span data-testid="guard-summary">{summary(rules)}</span>
        <button
          type="button"
          className="text-emerald-700 underline-offset-2 hover:underline"
          onClick={() => {
            setForm(toGuardForm(rules));
            setOpen(true);
          }}
          data-testid="guard-edit"
        >
          Change
        </button>
      </p>
    );
  }
  return (
    <form onSubmit={submit} className="space-y-3" data-testid="guard-form">
      <div className="grid gap-3 sm:grid-cols-2">
        <Field
          label="Pause after this many restriction errors"
          hint="WhatsApp refusing sends because of the number (0: never pause, retry later)."
          inputMode="numeric"
          value={form.restrictionErrors}
          onChange={(event) => update({ restrictionErrors: event.target.value })}
          data-testid="guard-restrictions"
        />
        <Field
          label="Pause after this many failures in a row"
          hint={`Each to a different person (0: never; at most ${MOST_SIGNS}).`}
          inputMode="numeric"
          value={form.failuresInARow}
          onChange={(event) => update({ failuresInARow: event.target.value })}
          data-testid="guard-failures"
        />
      </div>
      <label className="flex items-center justify-between gap-4 text-sm text-slate-800">
        Pause when the number is logged out or suspended soon after sending
        <Switch
          checked={form.logoutAfterSend}
          onChange={(event) => update({ logoutAfterSend: event.target.checked })}
          aria-label="Pause when the number is logged out soon after sending"
          data-testid="guard-logout"
        />
      </label>
      <FormError message={invalid ?? (save.isError ? errorMessage(save.error) : null)} />
      <div className="flex gap-2">
        <Button type="submit" variant="primary" busy={save.isPending} data-testid="guard-save">
          Save
        </Button>
        <Button type="button" onClick={() => setOpen(false)}>
          Cancel
        </Button>
      </div>
    </form>
  );
}

function summary(rules: GuardRules): string {
  const signs = [
    rules.restrictionErrors > 0 &&
      (rules.restrictionErrors === 1 ? "a restriction error" : `${rules.restrictionErrors} restriction errors`),
    rules.failuresInARow > 0 && `${rules.failuresInARow} failures in a row`,
    rules.logoutAfterSend && "a logout right after sending",
  ].filter((sign): sign is string => typeof sign === "string");
  return signs.length === 0
    ? "Sending never pauses by itself."
    : `Sending pauses by itself after ${signs.join(", or ")}.`;
}

/** A new number's daily limit rising over its first weeks: on or off, and its limits per day. */
function WarmUpControl({ instanceId, health }: { instanceId: InstanceId; health: SendingHealth }) {
  const client = useQueryClient();
  const [limits, setLimits] = useState(() => health.warmUp?.dailyLimits.join(", ") ?? "");
  const [invalid, setInvalid] = useState<string | null>(null);
  const change = useMutation({
    mutationFn: (dailyLimits: number[] | null) => api.setWarmUp(instanceId, dailyLimits),
    onSuccess: (next) => {
      client.setQueryData(queryKeys.sendingHealth(instanceId), next);
      setLimits(next.warmUp?.dailyLimits.join(", ") ?? "");
    },
  });
  const save = (event: FormEvent) => {
    event.preventDefault();
    const parsed = parseDailyLimits(limits);
    if (typeof parsed === "string") setInvalid(parsed);
    else change.mutate(parsed);
  };
  return (
    <div className="space-y-2" data-testid="warm-up">
      <label className="flex items-center justify-between gap-4 text-sm text-slate-800">
        <span>
          <span className="block font-medium">Warm up this number</span>
          <span className="block text-xs text-slate-500">
            {health.warmUp
              ? describeWarmUp(health.warmUp)
              : "A new number sends a few messages a day at first, more each day, so WhatsApp sees it grow like a person's."}
          </span>
        </span>
        <Switch
          checked={health.warmUp !== null}
          disabled={change.isPending}
          onChange={(event) => change.mutate(event.target.checked ? [] : null)}
          aria-label="Warm up this number"
          data-testid="warm-up-switch"
        />
      </label>
      {health.warmUp && (
        <form onSubmit={save} className="flex flex-wrap items-end gap-2">
          <Field
            label="Messages allowed each day, from the first"
            value={limits}
            onChange={(event) => {
              setLimits(event.target.value);
              setInvalid(null);
            }}
            data-testid="warm-up-limits"
            className="min-w-0 flex-1"
          />
          <Button type="submit" busy={change.isPending} data-testid="warm-up-save">
            Save
          </Button>
        </form>
      )}
      <FormError message={invalid ?? (change.isError ? errorMessage(change.error) : null)} />
    </div>
  );
}
