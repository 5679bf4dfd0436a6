import { useMutation, useQuery } from "@tanstack/react-query";
import { open } from "@tauri-apps/plugin-dialog";
import { useState, type FormEvent } from "react";
import { api, errorMessage } from "../../api";
import {
  describeTrigger,
  emptyAutoReplyForm,
  hasWords,
  mediaKindOf,
  timeZones,
  toAutoReplyForm,
  toAutoReplyRule,
  TRIGGERS,
  validateAutoReply,
  WEEKDAYS,
  type AutoReplyForm,
} from "../../autoReplies";
import type { AutoReply, AutoReplyVerdict, InstanceId, ReplyTrigger } from "../../bindings";
import { fileNameOf } from "../../compose";
import { Button } from "../../components/Button";
import { Card } from "../../components/Card";
import { Field, inputClass } from "../../components/Field";
import { FormError } from "../../components/FormError";
import { Select } from "../../components/Select";
import { Switch } from "../../components/Switch";
import { truncate } from "../../format";
import { useInvalidate } from "../../hooks/useInvalidate";
import { queryKeys } from "../../queries";

/** The number's automatic replies: rules in order, each on or off, and a tester. */
export function AutoRepliesCard({ instanceId }: { instanceId: InstanceId }) {
  const rules = useQuery({ queryKey: queryKeys.autoReplies(instanceId), queryFn: () => api.listAutoReplies(instanceId) });
  const [editing, setEditing] = useState<{ id: number | null; form: AutoReplyForm } | null>(null);
  const list = rules.data ?? [];
  return (
    <Card title="Automatic replies" data-testid="auto-replies">
      <div className="space-y-4">
        <p className="text-sm text-slate-600">
          The first rule that is on and matches a new message answers it, through the same pace as every send. Groups are
          answered only by rules that say so; other numbers of this Switchboard are never answered.
        </p>
        {rules.isError && <FormError message={errorMessage(rules.error)} />}
        {list.length > 0 && (
          <ol className="divide-y divide-slate-200 rounded-md ring-1 ring-slate-200" data-testid="auto-reply-list">
            {list.map((rule, index) => (
              <RuleRow
                key={rule.id}
                instanceId={instanceId}
                rule={rule}
                first={index === 0}
                last={index === list.length - 1}
                onEdit={() => setEditing({ id: rule.id, form: toAutoReplyForm(rule.rule) })}
              />
            ))}
          </ol>
        )}
        {editing ? (
          <RuleEditor
            instanceId={instanceId}
            id={editing.id}
            initial={editing.form}
            onDone={() => setEditing(null)}
          />
        ) : (
          <Button onClick={() => setEditing({ id: null, form: emptyAutoReplyForm() })} data-testid="auto-reply-add">
            Add a rule
          </Button>
        )}
        {list.length > 0 && <Tester instanceId={instanceId} />}
      </div>
    </Card>
  );
}

function RuleRow({
  instanceId,
  rule,
  first,
  last,
  onEdit,
}: {
  instanceId: InstanceId;
  rule: AutoReply;
  first: boolean;
  last: boolean;
  onEdit: () => void;
}) {
  const invalidate = useInvalidate();
  const done = () => invalidate(queryKeys.autoReplies(instanceId));
  const toggle = useMutation({
    mutationFn: (enabled: boolean) => api.saveAutoReply(instanceId, rule.id, { ...rule.rule, enabled }),
    onSettled: done,
  });
  const move = useMutation({
    mutationFn: (position: number) => api.moveAutoReply(instanceId, rule.id, position),
    onSettled: done,
  });
  const remove = useMutation({ mutationFn: () => api.deleteAutoReply(instanceId, rule.id), onSettled: done });
  const failure = toggle.error ?? move.error ?? remove.error;
  return (
    <li className="flex flex-wrap items-center gap-3 px-3 py-2" data-testid="auto-reply-rule" data-trigger={rule.rule.trigger}>
      <Switch
        checked={rule.rule.enabled}
        onChange={(event) => toggle.mutate(event.target.checked)}
        aria-label={rule.rule.enabled ? "Switch this rule off" : "Switch this rule on"}
      />
      <div className="min-w-0 flex-1">
        <p className="text-sm font-medium text-slate-800">
          <span className="mr-1 tabular-nums text-slate-400">{rule.position + 1}.</span>
          {describeTrigger(rule.rule)}
          {rule.rule.inGroups && <span className="ml-1 text-xs font-normal text-slate-500">· also in groups</span>}
          {(rule.rule.oncePerHours ?? 0) > 0 && (
            <span className="ml-1 text-xs font-normal text-slate-500">· once per contact per {rule.rule.oncePerHours} h</span>
          )}
        </p>
        <p className="break-words text-xs text-slate-500">
          → {truncate(rule.rule.reply, 140)}
          {rule.rule.media && ` (with ${fileNameOf(rule.rule.media.path)})`}
        </p>
        {failure && <p className="text-xs text-red-700">{errorMessage(failure)}</p>}
      </div>
      <div className="flex gap-1">
        <Button size="sm" variant="ghost" disabled={first} onClick={() => move.mutate(rule.position - 1)} aria-label="Move up">
          ↑
        </Button>
        <Button size="sm" variant="ghost" disabled={last} onClick={() => move.mutate(rule.position + 1)} aria-label="Move down">
          ↓
        </Button>
        <Button size="sm" onClick={onEdit}>
          Edit
        </Button>
        <Button size="sm" variant="ghost" busy={remove.isPending} onClick={() => remove.mutate()}>
          Delete
        </Button>
      </div>
    </li>
  );
}

function RuleEditor({
  instanceId,
  id,
  initial,
  onDone,
}: {
  instanceId: InstanceId;
  id: number | null;
  initial: AutoReplyForm;
  onDone: () => void;
}) {
  const invalidate = useInvalidate();
  const [form, setForm] = useState(initial);
  const [invalid, setInvalid] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: () => api.saveAutoReply(instanceId, id, toAutoReplyRule(form)),
    onSuccess: () => {
      invalidate(queryKeys.autoReplies(instanceId));
      onDone();
    },
  });
  const update = (patch: Partial<AutoReplyForm>) => {
    setForm((current) => ({ ...current, ...patch }));
    setInvalid(null);
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const problem = validateAutoReply(form);
    setInvalid(problem);
    if (problem === null) save.mutate();
  };
  const chooseFile = async () => {
    try {
      const picked = await open({ multiple: false, directory: false });
      if (typeof picked === "string" && picked !== "") update({ mediaPath: picked, mediaKind: mediaKindOf(picked) });
    } catch (error) {
      setInvalid(`The file picker could not open: ${errorMessage(error)}`);
    }
  };
  return (
    <form onSubmit={submit} noValidate className="space-y-3 rounded-lg bg-slate-50 p-4 ring-1 ring-inset ring-slate-200" data-testid="auto-reply-editor">
      <div className="flex flex-wrap items-end gap-3">
        <label className="text-sm font-medium text-slate-700">
          When
          <Select
            className="mt-1 w-72"
            value={form.trigger}
            onChange={(event) => update({ trigger: event.target.value as ReplyTrigger })}
            data-testid="auto-reply-trigger"
          >
            {TRIGGERS.map((trigger) => (
              <option key={trigger.value} value={trigger.value}>
                {trigger.label}
              </option>
            ))}
          </Select>
        </label>
        {hasWords(form.trigger) && (
          <Field
            label="Words"
            value={form.pattern}
            onChange={(event) => update({ pattern: event.target.value })}
            placeholder="preço"
            className="min-w-48 flex-1"
            data-testid="auto-reply-pattern"
          />
        )}
      </div>
      {form.trigger === "away" && <HoursEditor form={form} update={update} />}
      <label className="block text-sm font-medium text-slate-700">
        Reply with
        <textarea
          value={form.reply}
          onChange={(event) => update({ reply: event.target.value })}
          rows={3}
          className={`${inputClass} mt-1`}
          data-testid="auto-reply-text"
        />
      </label>
      <div className="flex flex-wrap items-center gap-2 text-sm">
        {form.mediaPath ? (
          <>
            <span className="text-slate-700">With the file {fileNameOf(form.mediaPath)}</span>
            <Button size="sm" variant="ghost" onClick={() => update({ mediaPath: "", mediaKind: "" })}>
              Remove the file
            </Button>
          </>
        ) : (
          <Button size="sm" onClick={() => void chooseFile()}>
            Attach a file
          </Button>
        )}
      </div>
      <div className="flex flex-wrap items-center gap-5">
        <Field
          label="At most once per contact every (hours)"
          inputMode="numeric"
          value={form.oncePerHours}
          onChange={(event) => update({ oncePerHours: event.target.value })}
          className="max-w-xs"
          hint="0 answers every matching message."
          data-testid="auto-reply-once"
        />
        <label className="flex items-center gap-2 text-sm text-slate-700">
          <input type="checkbox" checked={form.inGroups} onChange={(event) => update({ inGroups: event.target.checked })} />
          Answer in groups too
        </label>
      </div>
      <FormError message={invalid ?? (save.isError ? errorMessage(save.error) : null)} />
      <div className="flex gap-2">
        <Button type="submit" variant="primary" busy={save.isPending} data-testid="auto-reply-save">
          {id === null ? "Add the rule" : "Save the rule"}
        </Button>
        <Button variant="ghost" onClick={onDone}>
          Cancel
        </Button>
      </div>
    </form>
  );
}

function HoursEditor({ form, update }: { form: AutoReplyForm; update: (patch: Partial<AutoReplyForm>) => void }) {
  const setDay = (weekday: number, patch: Partial<AutoReplyForm["days"][number]>) =>
    update({ days: form.days.map((day) => (day.weekday === weekday ? { ...day, ...patch } : day)) });
  return (
    <fieldset className="space-y-2" data-testid="auto-reply-hours">
      <legend className="text-sm font-medium text-slate-700">Business hours (the away message answers outside them)</legend>
      <label className="flex items-center gap-2 text-sm text-slate-700">
        Time zone
        <Select className="w-64" value={form.timeZone} onChange={(event) => update({ timeZone: event.target.value })}>
          {timeZones(form.timeZone).map((zone) => (
            <option key={zone} value={zone}>
              {zone}
            </option>
          ))}
        </Select>
      </label>
      <div className="grid grid-cols-[7rem_auto_auto_auto] items-center gap-x-3 gap-y-1 text-sm">
        {form.days.map((day) => (
          <div key={day.weekday} className="contents" data-testid="auto-reply-day" data-weekday={day.weekday}>
            <label className="flex items-center gap-2 text-slate-700">
              <input type="checkbox" checked={day.open} onChange={(event) => setDay(day.weekday, { open: event.target.checked })} />
              {WEEKDAYS[day.weekday - 1]}
            </label>
            {day.open ? (
              <>
                <input
                  type="time"
                  value={day.opens}
                  onChange={(event) => setDay(day.weekday, { opens: event.target.value })}
                  aria-label={`${WEEKDAYS[day.weekday - 1]} opens`}
                  className={`${inputClass} w-28`}
                />
                <input
                  type="time"
                  value={day.closes}
                  onChange={(event) => setDay(day.weekday, { closes: event.target.value })}
                  aria-label={`${WEEKDAYS[day.weekday - 1]} closes`}
                  className={`${inputClass} w-28`}
                />
                <span className="text-xs text-slate-400">{day.closes <= day.opens ? "closes the next day" : ""}</span>
              </>
            ) : (
              <span className="col-span-3 text-xs text-slate-400">Closed</span>
            )}
          </div>
        ))}
      </div>
    </fieldset>
  );
}

function Tester({ instanceId }: { instanceId: InstanceId }) {
  const [text, setText] = useState("");
  const [firstMessage, setFirstMessage] = useState(false);
  const test = useMutation<AutoReplyVerdict>({
    mutationFn: () => api.testAutoReply(instanceId, { text, at: null, firstMessage, inGroup: false }),
  });
  return (
    <form
      className="space-y-2 border-t border-slate-100 pt-4"
      onSubmit={(event) => {
        event.preventDefault();
        test.mutate();
      }}
      data-testid="auto-reply-tester"
    >
      <h3 className="text-sm font-semibold text-slate-800">Try a message</h3>
      <div className="flex flex-wrap items-center gap-2">
        <input
          value={text}
          onChange={(event) => setText(event.target.value)}
          placeholder="Qual o preço do bolo?"
          className={`${inputClass} max-w-sm`}
          data-testid="auto-reply-try"
        />
        <label className="flex items-center gap-2 text-sm text-slate-700">
          <input type="checkbox" checked={firstMessage} onChange={(event) => setFirstMessage(event.target.checked)} />
          as a first message
        </label>
        <Button type="submit" busy={test.isPending} data-testid="auto-reply-try-button">
          Which rule answers?
        </Button>
      </div>
      {test.data && (
        <p className="text-sm text-slate-700" data-testid="auto-reply-verdict" data-rule={test.data.ruleId ?? ""}>
          {test.data.explanation}
          {test.data.reply && <span className="block text-slate-500">→ {truncate(test.data.reply, 200)}</span>}
        </p>
      )}
      {test.isError && <FormError message={errorMessage(test.error)} />}
    </form>
  );
}
