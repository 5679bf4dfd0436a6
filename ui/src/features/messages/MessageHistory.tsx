import { errorMessage } from "../../api";
import { Pill } from "../../components/Pill";
import { Spinner } from "../../components/Spinner";
import { formatDateTime, formatPreciseTime, messageStatusLabel, messageStatusTone } from "../../format";
import { useMessageHistory } from "../../queries";

/** Every status a message went through, oldest first. */
export function MessageHistory({ messageId }: { messageId: string }) {
  const history = useMessageHistory(messageId, true);
  const events = [...(history.data ?? [])].sort((a, b) => a.at - b.at);

  if (history.isPending) {
    return (
      <p className="flex items-center gap-2 text-sm text-slate-500">
        <Spinner className="size-4" /> Loading history…
      </p>
    );
  }
  if (history.isError) {
    return (
      <p role="alert" className="text-sm text-red-700">
        {errorMessage(history.error)}
      </p>
    );
  }
  if (events.length === 0) {
    return <p className="text-sm text-slate-500">No status changes recorded for this message.</p>;
  }
  return (
    <ol data-testid="message-history-list" className="space-y-1.5">
      {events.map((event, index) => (
        <li
          key={`${event.at}-${event.status}-${index}`}
          data-status={event.status}
          className="flex min-w-0 items-start gap-3 text-sm"
        >
          <span className="w-32 shrink-0 tabular-nums text-slate-500" title={formatDateTime(event.at)}>
            {formatPreciseTime(event.at)}
          </span>
          <Pill tone={messageStatusTone(event.status)} label={messageStatusLabel(event.status)} />
          {event.error && (
            <span className="min-w-0 break-words text-xs leading-5 text-red-700" data-selectable>
              {event.error}
            </span>
          )}
        </li>
      ))}
    </ol>
  );
}
