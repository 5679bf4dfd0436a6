import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { api, errorMessage } from "../../api";
import type { Conversation } from "../../bindings";
import { Button } from "../../components/Button";
import { formatPhone } from "../../format";
import { useInvalidate } from "../../hooks/useInvalidate";
import { queryKeys } from "../../queries";
import { Avatar, LabelChip } from "./ConversationList";

type Props = { conversation: Conversation; instanceName: string | undefined; onClose: () => void };

/** Labels typed as a person types them: separated by commas. */
function parseLabels(typed: string): string[] {
  return typed
    .split(",")
    .map((label) => label.trim())
    .filter((label) => label !== "");
}

/** Who the conversation is with, on which number; name, notes, labels and opt-out edited in place. */
export function ContactHeader({ conversation, instanceName, onClose }: Props) {
  const { contact } = conversation;
  const invalidate = useInvalidate();
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState("");
  const [notes, setNotes] = useState("");
  const [labels, setLabels] = useState("");
  const [optedOut, setOptedOut] = useState(false);
  const save = useMutation({
    mutationFn: () =>
      api.updateContact(contact.id, { name, notes, labels: parseLabels(labels), optedOut }),
    onSuccess: () => setEditing(false),
    onSettled: () => invalidate(queryKeys.conversations, queryKeys.labels, queryKeys.contacts),
  });
  const startEditing = () => {
    setName(contact.name ?? "");
    setNotes(contact.notes ?? "");
    setLabels(contact.labels.map((l) => l.name).join(", "));
    setOptedOut(contact.optedOutAt !== null);
    save.reset();
    setEditing(true);
  };
  const number = contact.phone ? formatPhone(contact.phone) : contact.isGroup ? "Group" : contact.jid;

  return (
    <header className="border-b border-slate-200 bg-white px-4 py-2.5" data-testid="thread-header">
      <div className="flex items-center gap-3">
        <Avatar name={contact.displayName} group={contact.isGroup} />
        <div className="min-w-0 flex-1">
          <p className="truncate text-sm font-semibold text-slate-900" data-testid="thread-name">
            {contact.displayName}
          </p>
          <p className="truncate text-xs text-slate-500">
            {number !== contact.displayName && <span>{number}</span>}
            {instanceName && <span> · on {instanceName}</span>}
            {contact.optedOutAt !== null && <span className="font-medium text-red-700"> · Opted out of messages</span>}
          </p>
        </div>
        {!editing && (
          <Button size="sm" variant="ghost" onClick={startEditing} data-testid="contact-edit">
            Edit contact
          </Button>
        )}
        <Button size="sm" variant="ghost" onClick={onClose} aria-label="Close conversation (Esc)" title="Close (Esc)">
          ✕
        </Button>
      </div>
      {!editing && (contact.labels.length > 0 || contact.notes) && (
        <div className="mt-1.5 flex flex-wrap items-center gap-1.5 pl-[3.25rem]">
          {contact.labels.map((label) => (
            <LabelChip key={label.id} name={label.name} color={label.color} />
          ))}
          {contact.notes && (
            <p className="min-w-0 truncate text-xs text-slate-600" title={contact.notes} data-testid="contact-notes">
              {contact.notes}
            </p>
          )}
        </div>
      )}
      {editing && (
        <form
          className="mt-2 grid grid-cols-2 gap-2 pl-[3.25rem] max-[900px]:grid-cols-1"
          onSubmit={(event) => {
            event.preventDefault();
            save.mutate();
          }}
        >
          <label className="text-xs text-slate-600">
            Name
            <input
              value={name}
              onChange={(e) => setName(e.target.value)}
              placeholder={contact.pushName ?? "Name"}
              data-testid="contact-name"
              className="mt-0.5 block w-full rounded-md px-2 py-1 text-sm ring-1 ring-slate-300 focus:ring-2 focus:ring-emerald-600 focus:outline-none"
            />
          </label>
          <label className="text-xs text-slate-600">
            Labels, separated by commas
            <input
              value={labels}
              onChange={(e) => setLabels(e.target.value)}
              placeholder="VIP, Wholesale"
              data-testid="contact-labels"
              className="mt-0.5 block w-full rounded-md px-2 py-1 text-sm ring-1 ring-slate-300 focus:ring-2 focus:ring-emerald-600 focus:outline-none"
            />
          </label>
          <label className="col-span-full text-xs text-slate-600">
            Notes
            <textarea
              value={notes}
              onChange={(e) => setNotes(e.target.value)}
              rows={2}
              data-testid="contact-notes-input"
              className="mt-0.5 block w-full rounded-md px-2 py-1 text-sm ring-1 ring-slate-300 focus:ring-2 focus:ring-emerald-600 focus:outline-none"
            />
          </label>
          <label className="col-span-full flex items-center gap-2 text-xs text-slate-700">
            <input
              type="checkbox"
              checked={optedOut}
              onChange={(e) => setOptedOut(e.target.checked)}
              data-testid="contact-opted-out"
              className="size-4 rounded border-slate-300 text-red-600"
            />
            Opted out: campaigns and local apps may not message this contact
          </label>
          {save.isError && (
            <p role="alert" className="col-span-full text-xs text-red-700">
              {errorMessage(save.error)}
            </p>
          )}
          <div className="col-span-full flex gap-2">
            <Button type="submit" variant="primary" size="sm" busy={save.isPending} data-testid="contact-save">
              Save
            </Button>
            <Button size="sm" variant="ghost" onClick={() => setEditing(false)}>
              Cancel
            </Button>
          </div>
        </form>
      )}
    </header>
  );
}
