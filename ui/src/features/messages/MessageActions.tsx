import { useMutation } from "@tanstack/react-query";
import { api, errorMessage } from "../../api";
import type { Message } from "../../bindings";
import { Button } from "../../components/Button";
import { useInvalidate } from "../../hooks/useInvalidate";
import { canCancel, canDownload, canReply, canRetry } from "../../messageActions";
import { queryKeys } from "../../queries";

type Props = {
  message: Message;
  onReply: (message: Message) => void;
  historyOpen: boolean;
  onToggleHistory: () => void;
};

export function MessageActions({ message, onReply, historyOpen, onToggleHistory }: Props) {
  const invalidate = useInvalidate();
  const refresh = () => invalidate(queryKeys.messages, queryKeys.campaigns, queryKeys.stats);
  const retry = useMutation({ mutationFn: () => api.retryMessage(message.id), onSettled: refresh });
  const cancel = useMutation({ mutationFn: () => api.cancelMessage(message.id), onSettled: refresh });
  const download = useMutation({ mutationFn: () => api.downloadMedia(message.id), onSettled: refresh });
  const busy = retry.isPending || cancel.isPending || download.isPending;
  const failure = retry.error ?? cancel.error ?? download.error;
  const savedPath = download.data?.mediaPath ?? message.mediaPath;

  const run = (action: typeof retry) => {
    for (const other of [retry, cancel, download]) if (other !== action) other.reset();
    action.mutate();
  };

  return (
    <div className="min-w-0 space-y-1">
      <div className="flex flex-wrap gap-1">
        {canRetry(message) && (
          <Button
            size="sm"
            variant="secondary"
            busy={retry.isPending}
            disabled={busy}
            onClick={() => run(retry)}
            data-testid="message-retry"
          >
            Retry
          </Button>
        )}
        {canCancel(message) && (
          <Button
            size="sm"
            variant="danger-outline"
            busy={cancel.isPending}
            disabled={busy}
            onClick={() => run(cancel)}
            data-testid="message-cancel"
          >
            Cancel
          </Button>
        )}
        {canReply(message) && (
          <Button size="sm" variant="ghost" disabled={busy} onClick={() => onReply(message)} data-testid="message-reply">
            Reply
          </Button>
        )}
        {canDownload(message) && (
          <Button
            size="sm"
            variant="ghost"
            busy={download.isPending}
            disabled={busy}
            onClick={() => run(download)}
            data-testid="message-download"
          >
            Download
          </Button>
        )}
        <Button
          size="sm"
          variant="ghost"
          aria-expanded={historyOpen}
          onClick={onToggleHistory}
          data-testid="message-history"
        >
          {historyOpen ? "Hide history" : "History"}
        </Button>
      </div>
      {savedPath && canDownload(message) && (
        <p data-testid="message-media-path" className="break-all text-xs text-slate-500" data-selectable title={savedPath}>
          Saved to {savedPath}
        </p>
      )}
      {failure && (
        <p role="alert" data-testid="message-action-error" className="break-words text-xs text-red-700">
          {errorMessage(failure)}
        </p>
      )}
    </div>
  );
}
