import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { open } from "@tauri-apps/plugin-dialog";
import { useId, useState, type FormEvent, type KeyboardEvent, type ReactNode } from "react";
import { api, errorMessage, isRepeat } from "../../api";
import type { Group, Instance, InstanceId, Message, SendRequest } from "../../bindings";
import {
  buildSendRequest,
  clearedAfterSend,
  composeTypesFor,
  templateKey,
  EMPTY_COMPOSE,
  fileNameOf,
  isComposeType,
  isMediaType,
  MEDIA_FILTERS,
  newIdempotencyKey,
  presenceNote,
  recipientNote,
  recipientProblem,
  toDateTimeLocal,
  validateCompose,
  type ComposeForm,
  type RecipientNote,
  type ReplyTarget,
} from "../../compose";
import { Button } from "../../components/Button";
import { Card } from "../../components/Card";
import { inputClass } from "../../components/Field";
import { FormError } from "../../components/FormError";
import { SendIcon } from "../../components/icons";
import { Select } from "../../components/Select";
import { formatPhone, formatTime, truncate } from "../../format";
import { useInvalidate } from "../../hooks/useInvalidate";
import { queryKeys, useGroups, usePresence, useRecipientCheck, useSettings } from "../../queries";

type Props = { instance: Instance; reply: ReplyTarget | null; onReplyDone: () => void };

export function Composer({ instance, reply, onReplyDone }: Props) {
  const invalidate = useInvalidate();
  const [form, setForm] = useState<ComposeForm>(() => (reply ? { ...EMPTY_COMPOSE, to: reply.to } : EMPTY_COMPOSE));
  const [invalid, setInvalid] = useState<string | null>(null);
  const [replyFor, setReplyFor] = useState<string | null>(reply?.messageId ?? null);
  const groups = useGroups(instance.id, instance.status === "connected");
  const settings = useSettings();
  const recipient = useRecipientCheck(form.to);
  const check = { text: recipient.checked, data: recipient.check.data, error: recipient.check.error };
  const readable = recipient.check.data !== undefined && !recipient.check.data.jid.endsWith("@g.us");
  const presence = usePresence(instance.id, recipient.checked, readable && instance.status === "connected");
  // Only for the number as typed now: while typing goes on, the last answer is of other text.
  const presenceLine = form.to.trim() === recipient.checked ? presenceNote(presence.data) : null;

  // A reply chosen while the composer is open: address it to the same conversation, as a text.
  if (reply && reply.messageId !== replyFor) {
    setReplyFor(reply.messageId);
    setForm((current) => ({ ...current, type: "text", to: reply.to }));
  }

  const send = useMutation({
    mutationFn: (request: SendRequest) => api.sendMessage(request),
    onSuccess: (_message, request) => {
      setForm((current) => (current.to.trim() === request.to ? clearedAfterSend(current) : current));
      if (request.content.type === "text" && request.content.replyTo !== null) onReplyDone();
    },
    onSettled: () => invalidate(queryKeys.messages, queryKeys.stats, queryKeys.sendingHealths),
  });

  const update = (patch: Partial<ComposeForm>) => {
    setForm((current) => ({ ...current, ...patch }));
    setInvalid(null);
    // The note speaks of the message just sent: it goes once the person starts the next one.
    if (send.isSuccess) send.reset();
  };

  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    if (send.isPending) return;
    // A refusal the engine already gave is shown without sending; the send itself is checked again.
    const problem = validateCompose(form, Date.now()) ?? recipientProblem(form.to, check);
    setInvalid(problem);
    if (problem !== null) return;
    const replyTo = reply && form.type === "text" ? reply.messageId : null;
    send.mutate(buildSendRequest(instance.id, form, replyTo, newIdempotencyKey()));
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) submit();
  };

  const chooseFile = async () => {
    if (!isMediaType(form.type)) return;
    const filter = MEDIA_FILTERS[form.type];
    try {
      const picked = await open({ multiple: false, directory: false, filters: filter ? [filter] : undefined });
      if (typeof picked === "string" && picked !== "") update({ mediaPath: picked, mediaUrl: "" });
    } catch (error) {
      setInvalid(`The file picker could not open: ${errorMessage(error)}`);
    }
  };

  const error = invalid ?? (send.isError ? errorMessage(send.error) : null);
  // A repeat is held until the person says they mean it.
  const sendAnyway =
    invalid === null && send.isError && isRepeat(send.error) && send.variables
      ? () => send.mutate({ ...send.variables!, allowRepeat: true, idempotencyKey: newIdempotencyKey() })
      : null;
  const groupList = groups.isSuccess ? groups.data : [];
  const scheduled = form.schedule.trim() !== "";

  return (
    <Card title="Send a message">
      <form onSubmit={submit} noValidate className="space-y-3" data-testid="composer">
        {instance.status !== "connected" && (
          <p className="rounded-md bg-amber-50 px-3 py-2 text-xs text-amber-800 ring-1 ring-inset ring-amber-200">
            This number is not connected right now, so messages may not go out until it is.
          </p>
        )}
        <div className="grid grid-cols-[5.5rem_minmax(0,1fr)] items-center gap-x-3 gap-y-3">
          <Row label="Type">
            {(id) => (
              <Select
                id={id}
                className="w-44"
                value={form.type}
                onChange={(event) => {
                  if (isComposeType(event.target.value)) update({ type: event.target.value });
                }}
                data-testid="composer-type"
              >
                {composeTypesFor(instance.usesTemplates).map((type) => (
                  <option key={type.value} value={type.value}>
                    {type.label}
                  </option>
                ))}
              </Select>
            )}
          </Row>
          <Row label="To">
            {(id) => (
              <Recipient
                id={id}
                to={form.to}
                groups={groupList}
                note={recipientNote(form.to, check, settings.data?.defaultRegion ?? null)}
                onChange={(to) => update({ to })}
              />
            )}
          </Row>
          {presenceLine && (
            <>
              <span />
              <p
                data-testid="composer-presence"
                data-presence={presence.data?.presence}
                className={`-mt-2 text-xs ${presenceLine.tone === "warning" ? "text-red-700" : "text-slate-500"}`}
              >
                {presenceLine.text}
              </p>
            </>
          )}
          {form.type === "text" && reply && (
            <>
              <span />
              <ReplyBanner reply={reply} onCancel={onReplyDone} />
            </>
          )}
          {form.type === "template" ? (
            <TemplateFields instanceId={instance.id} form={form} update={update} />
          ) : (
            <ContentFields form={form} update={update} onKeyDown={onKeyDown} onChooseFile={() => void chooseFile()} />
          )}
          <Row label="Send later" top>
            {(id) => (
              <div>
                <div className="flex items-center gap-2">
                  <input
                    id={id}
                    type="datetime-local"
                    value={form.schedule}
                    min={toDateTimeLocal(Date.now())}
                    onChange={(event) => update({ schedule: event.target.value })}
                    data-testid="composer-schedule"
                    className={`${inputClass} max-w-[14rem]`}
                  />
                  {scheduled && (
                    <Button size="sm" variant="ghost" onClick={() => update({ schedule: "" })}>
                      Send now instead
                    </Button>
                  )}
                </div>
                <p className="mt-1 text-xs text-slate-500">Optional. Leave empty to send right away.</p>
              </div>
            )}
          </Row>
        </div>
        <FormError message={error} />
        {sendAnyway && (
          <Button onClick={sendAnyway} data-testid="composer-send-anyway">
            Send it anyway
          </Button>
        )}
        <div className="flex items-center justify-between gap-3">
          <span className="text-xs text-slate-500">
            {send.isSuccess && !invalid ? (
              <SentNote message={send.data} paused={instance.sendingPause !== null} />
            ) : form.type === "text" ? (
              "Ctrl + Enter to send"
            ) : null}
          </span>
          <Button type="submit" variant="primary" icon={<SendIcon />} busy={send.isPending} data-testid="composer-send">
            {scheduled ? "Schedule" : "Send"}
          </Button>
        </div>
      </form>
    </Card>
  );
}

function Row({ label, top = false, children }: { label: string; top?: boolean; children: (id: string) => ReactNode }) {
  const id = useId();
  return (
    <>
      <label htmlFor={id} className={`text-sm font-medium text-slate-700 ${top ? "self-start pt-2" : ""}`}>
        {label}
      </label>
      {children(id)}
    </>
  );
}

type RecipientProps = {
  id: string;
  to: string;
  groups: Group[];
  note: RecipientNote | null;
  onChange: (to: string) => void;
};

function Recipient({ id, to, groups, note, onChange }: RecipientProps) {
  const chosen = groups.find((group) => group.jid === to.trim());
  return (
    <div>
      <div className="flex flex-wrap items-center gap-2">
        <input
          id={id}
          type="tel"
          placeholder="+55 11 91234-5678"
          value={to}
          onChange={(event) => onChange(event.target.value)}
          data-testid="composer-to"
          className={`${inputClass} max-w-xs`}
          spellCheck={false}
        />
        {groups.length > 0 && (
          <Select
            aria-label="Send to a group"
            className="w-52"
            value={chosen?.jid ?? ""}
            onChange={(event) => {
              if (event.target.value !== "") onChange(event.target.value);
            }}
            data-testid="composer-group"
          >
            <option value="">Groups…</option>
            {groups.map((group) => (
              <option key={group.jid} value={group.jid}>
                {group.size === null ? group.subject : `${group.subject} (${group.size})`}
              </option>
            ))}
          </Select>
        )}
      </div>
      {chosen ? (
        <p data-testid="composer-group-chosen" className="mt-1 text-xs text-slate-500">
          To the group <span className="font-medium text-slate-700">{chosen.subject}</span>
        </p>
      ) : (
        note && <RecipientNoteLine note={note} />
      )}
    </div>
  );
}

function RecipientNoteLine({ note }: { note: RecipientNote }) {
  switch (note.kind) {
    case "checking":
      return (
        <p data-testid="composer-to-checking" className="mt-1 text-xs text-slate-400">
          Checking <span className="tabular-nums">{note.typed}</span>…
        </p>
      );
    case "reading":
      return (
        <p data-testid="composer-to-reading" className="mt-1 text-xs text-slate-500">
          Sends to <span className="font-medium tabular-nums text-slate-700">{note.display}</span>
        </p>
      );
    case "problem":
      return (
        <p data-testid="composer-to-problem" className="mt-1 text-xs text-amber-700">
          {note.problem}
        </p>
      );
  }
}

function ReplyBanner({ reply, onCancel }: { reply: ReplyTarget; onCancel: () => void }) {
  return (
    <div
      data-testid="composer-reply"
      className="flex items-start gap-2 rounded-md border-l-4 border-emerald-500 bg-slate-50 px-3 py-2 text-sm ring-1 ring-inset ring-slate-200"
    >
      <div className="min-w-0 flex-1">
        <div className="text-xs font-medium text-emerald-700">Replying to {formatPhone(reply.to)}</div>
        <div className="one-line text-slate-600" data-selectable>
          {truncate(reply.quote, 160)}
        </div>
      </div>
      <button
        type="button"
        aria-label="Do not reply to this message"
        title="Cancel the reply"
        onClick={onCancel}
        data-testid="composer-reply-cancel"
        className="rounded px-1.5 text-lg leading-none text-slate-400 hover:bg-slate-200 hover:text-slate-700"
      >
        ×
      </button>
    </div>
  );
}

type ContentProps = {
  form: ComposeForm;
  update: (patch: Partial<ComposeForm>) => void;
  onKeyDown: (event: KeyboardEvent<HTMLTextAreaElement>) => void;
  onChooseFile: () => void;
};

function ContentFields({ form, update, onKeyDown, onChooseFile }: ContentProps) {
  switch (form.type) {
    case "template":
      return null;
    case "text":
      return (
        <Row label="Message" top>
          {(id) => (
            <textarea
              id={id}
              rows={3}
              placeholder="Write a message…"
              value={form.text}
              onChange={(event) => update({ text: event.target.value })}
              onKeyDown={onKeyDown}
              data-testid="composer-text"
              className={`${inputClass} resize-y`}
            />
          )}
        </Row>
      );
    case "image":
    case "video":
    case "audio":
    case "document":
      return (
        <>
          <Row label="File" top>
            {(id) => (
              <div className="space-y-2">
                <div className="flex flex-wrap items-center gap-2">
                  <Button size="sm" onClick={onChooseFile} data-testid="composer-media-file">
                    Choose file…
                  </Button>
                  {form.mediaPath !== "" ? (
                    <span
                      data-testid="composer-media-chosen"
                      title={form.mediaPath}
                      className="inline-flex max-w-full items-center gap-1 rounded-full bg-slate-100 py-0.5 pl-2.5 pr-1 text-xs text-slate-700"
                    >
                      <span className="one-line">{fileNameOf(form.mediaPath)}</span>
                      <button
                        type="button"
                        aria-label="Remove the chosen file"
                        onClick={() => update({ mediaPath: "" })}
                        className="rounded-full px-1 text-slate-400 hover:bg-slate-200 hover:text-slate-700"
                      >
                        ×
                      </button>
                    </span>
                  ) : (
                    <span className="text-xs text-slate-500">or a link:</span>
                  )}
                </div>
                {form.mediaPath === "" && (
                  <input
                    id={id}
                    type="url"
                    placeholder="https://example.com/file"
                    value={form.mediaUrl}
                    onChange={(event) => update({ mediaUrl: event.target.value })}
                    data-testid="composer-media-url"
                    className={inputClass}
                    spellCheck={false}
                  />
                )}
              </div>
            )}
          </Row>
          {form.type !== "audio" && (
            <Row label="Caption">
              {(id) => (
                <input
                  id={id}
                  placeholder="Optional"
                  value={form.caption}
                  onChange={(event) => update({ caption: event.target.value })}
                  data-testid="composer-caption"
                  className={inputClass}
                />
              )}
            </Row>
          )}
        </>
      );
    case "location":
      return (
        <>
          <Row label="Coordinates">
            {(id) => (
              <div className="flex gap-2">
                <input
                  id={id}
                  inputMode="decimal"
                  aria-label="Latitude"
                  placeholder="Latitude, e.g. -23.5505"
                  value={form.latitude}
                  onChange={(event) => update({ latitude: event.target.value })}
                  data-testid="composer-lat"
                  className={`${inputClass} max-w-[12rem]`}
                />
                <input
                  inputMode="decimal"
                  aria-label="Longitude"
                  placeholder="Longitude, e.g. -46.6333"
                  value={form.longitude}
                  onChange={(event) => update({ longitude: event.target.value })}
                  data-testid="composer-lng"
                  className={`${inputClass} max-w-[12rem]`}
                />
              </div>
            )}
          </Row>
          <Row label="Place name">
            {(id) => (
              <input
                id={id}
                placeholder="Optional, e.g. Loja Centro"
                value={form.placeName}
                onChange={(event) => update({ placeName: event.target.value })}
                data-testid="composer-place-name"
                className={inputClass}
              />
            )}
          </Row>
          <Row label="Address">
            {(id) => (
              <input
                id={id}
                placeholder="Optional"
                value={form.address}
                onChange={(event) => update({ address: event.target.value })}
                data-testid="composer-place-address"
                className={inputClass}
              />
            )}
          </Row>
        </>
      );
    case "contact":
      return (
        <>
          <Row label="Name">
            {(id) => (
              <input
                id={id}
                placeholder="Full name on the card"
                value={form.contactName}
                onChange={(event) => update({ contactName: event.target.value })}
                data-testid="composer-contact-name"
                className={inputClass}
              />
            )}
          </Row>
          <Row label="Phone">
            {(id) => (
              <input
                id={id}
                type="tel"
                placeholder="+55 11 91234-5678"
                value={form.contactPhone}
                onChange={(event) => update({ contactPhone: event.target.value })}
                data-testid="composer-contact-phone"
                className={`${inputClass} max-w-xs`}
              />
            )}
          </Row>
          <Row label="Company">
            {(id) => (
              <input
                id={id}
                placeholder="Optional"
                value={form.organization}
                onChange={(event) => update({ organization: event.target.value })}
                data-testid="composer-contact-org"
                className={inputClass}
              />
            )}
          </Row>
          <Row label="E-mail">
            {(id) => (
              <input
                id={id}
                type="email"
                placeholder="Optional"
                value={form.email}
                onChange={(event) => update({ email: event.target.value })}
                data-testid="composer-contact-email"
                className={inputClass}
              />
            )}
          </Row>
        </>
      );
  }
}

function SentNote({ message, paused }: { message: Message; paused: boolean }) {
  const later = message.scheduledAt !== null && message.scheduledAt > Date.now();
  if (paused) {
    return (
      <span data-testid="composer-result" className="text-amber-800">
        Message to {formatPhone(message.contact)} queued. Sending on this number is paused because WhatsApp pushed
        back; it goes out when you resume (see Sending health).
      </span>
    );
  }
  return (
    <span data-testid="composer-result" className="text-emerald-700">
      {later
        ? `Message to ${formatPhone(message.contact)} scheduled for ${formatTime(message.scheduledAt!)}.`
        : `Message to ${formatPhone(message.contact)} accepted.`}{" "}
      Follow its delivery in the Messages tab.
    </span>
  );
}

/** One of the account's message templates, its variables filled by hand. The list is the one
 *  last synced from Meta; "Sync" reads it again. */
function TemplateFields({
  instanceId,
  form,
  update,
}: {
  instanceId: InstanceId;
  form: ComposeForm;
  update: (patch: Partial<ComposeForm>) => void;
}) {
  const client = useQueryClient();
  const templates = useQuery({ queryKey: queryKeys.templates(instanceId), queryFn: () => api.listTemplates(instanceId) });
  const sync = useMutation({
    mutationFn: () => api.syncTemplates(instanceId),
    onSuccess: (list) => client.setQueryData(queryKeys.templates(instanceId), list),
  });
  const list = templates.data ?? [];
  const chosen = list.find((template) => templateKey(template) === form.template) ?? null;
  const choose = (key: string) => {
    const template = list.find((candidate) => templateKey(candidate) === key);
    update({ template: key, templateVariables: Array.from({ length: template?.variables ?? 0 }, () => "") });
  };
  return (
    <>
      <Row label="Template">
        {(id) => (
          <div className="flex items-center gap-2">
            <Select
              id={id}
              className="min-w-0 flex-1"
              value={form.template}
              onChange={(event) => choose(event.target.value)}
              data-testid="composer-template"
            >
              <option value="">{list.length === 0 ? "No templates synced yet" : "Choose a template…"}</option>
              {list.map((template) => (
                <option key={templateKey(template)} value={templateKey(template)} disabled={template.status !== "APPROVED"}>
                  {template.name} · {template.language}
                  {template.status === "APPROVED" ? "" : ` (${template.status.toLowerCase()})`}
                </option>
              ))}
            </Select>
            <Button size="sm" busy={sync.isPending} onClick={() => sync.mutate()} data-testid="composer-template-sync">
              Sync
            </Button>
          </div>
        )}
      </Row>
      {sync.isError && (
        <>
          <span />
          <p role="alert" className="text-xs text-red-700">
            {errorMessage(sync.error)}
          </p>
        </>
      )}
      {chosen?.body && (
        <>
          <span />
          <p className="whitespace-pre-wrap rounded-md bg-slate-50 px-3 py-2 text-sm text-slate-700 ring-1 ring-inset ring-slate-200" data-testid="composer-template-body">
            {chosen.body}
          </p>
        </>
      )}
      {form.templateVariables.map((value, index) => (
        <Row key={index} label={`{{${index + 1}}}`}>
          {(id) => (
            <input
              id={id}
              value={value}
              onChange={(event) =>
                update({
                  templateVariables: form.templateVariables.map((old, at) => (at === index ? event.target.value : old)),
                })
              }
              data-testid={`composer-template-variable-${index + 1}`}
              className={inputClass}
            />
          )}
        </Row>
      ))}
    </>
  );
}
