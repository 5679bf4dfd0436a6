import type { Message } from "../../bindings";
import { Pill } from "../../components/Pill";
import { messageStatusLabel, messageStatusTone, queuedNote } from "../../format";

export function MessageStatusPill({ message, now }: { message: Message; now: number }) {
  const failure = message.status === "failed" ? (message.errorMessage ?? "The message could not be sent.") : null;
  const note = queuedNote(message, now);
  return (
    <div className="min-w-0" title={failure ?? undefined}>
      <Pill
        data-testid="message-status"
        tone={messageStatusTone(message.status)}
        label={messageStatusLabel(message.status)}
      />
      {failure && (
        <p data-testid="message-error" className="mt-1 break-words text-xs text-red-700">
          {failure}
        </p>
      )}
      {note && (
        <p data-testid="message-timing" className="mt-1 text-xs text-slate-500">
          {note}
        </p>
      )}
    </div>
  );
}
