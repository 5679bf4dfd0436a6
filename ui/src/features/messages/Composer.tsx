import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent, type KeyboardEvent } from "react";
import { api, errorMessage } from "../../api";
import type { Instance, Message } from "../../bindings";
import { Button } from "../../components/Button";
import { Card } from "../../components/Card";
import { inputClass } from "../../components/Field";
import { FormError } from "../../components/FormError";
import { SendIcon } from "../../components/icons";
import { formatPhone } from "../../format";
import { useInvalidate } from "../../hooks/useInvalidate";
import { queryKeys } from "../../queries";
import { validateComposer, type ComposerForm } from "../../validation";

export function Composer({ instance }: { instance: Instance }) {
  const invalidate = useInvalidate();
  const [to, setTo] = useState("");
  const [text, setText] = useState("");
  const [invalid, setInvalid] = useState<string | null>(null);

  const send = useMutation({
    mutationFn: (draft: ComposerForm) => api.sendText({ instanceId: instance.id, to: draft.to.trim(), text: draft.text }),
    onSuccess: (_message, draft) => setText((current) => (current === draft.text ? "" : current)),
    onSettled: () => invalidate(queryKeys.messages),
  });

  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    if (send.isPending) return;
    const problem = validateComposer({ to, text });
    setInvalid(problem);
    if (problem === null) send.mutate({ to, text });
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) submit();
  };

  const error = invalid ?? (send.isError ? errorMessage(send.error) : null);

  return (
    <Card title="Send a message">
      <form onSubmit={submit} noValidate className="space-y-3" data-testid="composer">
        {instance.status !== "connected" && (
          <p className="rounded-md bg-amber-50 px-3 py-2 text-xs text-amber-800 ring-1 ring-inset ring-amber-200">
            This number is not connected right now, so messages may not go out until it is.
          </p>
        )}
        <div className="grid grid-cols-[4rem_minmax(0,1fr)] items-center gap-x-3 gap-y-3">
          <label htmlFor="composer-to" className="text-sm font-medium text-slate-700">
            To
          </label>
          <input
            id="composer-to"
            type="tel"
            placeholder="+55 11 91234-5678"
            value={to}
            onChange={(event) => {
              setTo(event.target.value);
              setInvalid(null);
            }}
            data-testid="composer-to"
            className={`${inputClass} max-w-xs`}
          />
          <label htmlFor="composer-text" className="self-start pt-2 text-sm font-medium text-slate-700">
            Message
          </label>
          <textarea
            id="composer-text"
            rows={3}
            placeholder="Write a message…"
            value={text}
            onChange={(event) => {
              setText(event.target.value);
              setInvalid(null);
            }}
            onKeyDown={onKeyDown}
            data-testid="composer-text"
            className={`${inputClass} resize-y`}
          />
        </div>
        <FormError message={error} />
        <div className="flex items-center justify-between gap-3">
          <span className="text-xs text-slate-500">
            {send.isSuccess && !invalid ? <SentNote message={send.data} /> : "Ctrl + Enter to send"}
          </span>
          <Button type="submit" variant="primary" icon={<SendIcon />} busy={send.isPending} data-testid="composer-send">
            Send
          </Button>
        </div>
      </form>
    </Card>
  );
}

function SentNote({ message }: { message: Message }) {
  return (
    <span data-testid="composer-result" className="text-emerald-700">
      Message to {formatPhone(message.contact)} accepted. Follow its delivery in the Messages tab.
    </span>
  );
}
