import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { api, errorMessage } from "../../api";
import type { Message } from "../../bindings";
import { Button } from "../../components/Button";
import { Modal } from "../../components/Modal";
import { Spinner } from "../../components/Spinner";
import { bubbleTime, highlight, kindWord, quoteOf, ticksOf } from "../../conversations";
import { useInvalidate } from "../../hooks/useInvalidate";
import { canDownload, canReply, canRetry } from "../../messageActions";
import { queryKeys, useMediaPreview } from "../../queries";
import { Ticks } from "./Ticks";

type Props = {
  message: Message;
  /** In a group, who wrote each inbound bubble. */
  showSender: boolean;
  /** A search result: marked, with its words highlighted. */
  focused: boolean;
  search?: string | null;
  /** The thread's loaded messages by provider id, to show what a reply quotes. */
  byProviderId: Map<string, Message>;
  onReply: () => void;
};

const THUMBNAIL_SIDE = 320;
const FULL_SIDE = 1600;
const PHOTO_KINDS = ["image", "sticker"];

export function Bubble({ message, showSender, focused, search = null, byProviderId, onReply }: Props) {
  const quote = quoteOf(message, byProviderId);
  const outbound = message.direction === "outbound";
  const ticks = ticksOf(message);
  const photo = !outbound && PHOTO_KINDS.includes(message.kind) && canDownload(message);
  const file = !outbound && !photo && canDownload(message);
  return (
    <div className={`group my-1 flex ${outbound ? "justify-end" : "justify-start"}`} data-message-id={message.id}>
      <div
        data-testid="bubble"
        data-direction={message.direction}
        className={`relative max-w-[min(36rem,80%)] rounded-lg px-2.5 pt-1.5 pb-1 text-sm text-slate-900 shadow-xs ${
          outbound ? "bg-[#d9fdd3]" : "bg-white"
        } ${focused ? "ring-2 ring-amber-400" : ""}`}
      >
        {showSender && !outbound && message.senderName && (
          <p className="text-xs font-medium text-emerald-700">{message.senderName}</p>
        )}
        {quote && (
          <div data-testid="bubble-quote" className="mb-1 rounded-md border-l-4 border-emerald-600 bg-black/5 px-2 py-1 text-xs">
            {quote.author && <p className="font-medium text-emerald-700">{quote.author}</p>}
            <p className="text-slate-600">{quote.text}</p>
          </div>
        )}
        {photo && <Photo message={message} />}
        {file && <FileChip message={message} />}
        {message.body && (
          <p className="break-words whitespace-pre-wrap" data-testid="bubble-text">
            {highlight(message.body, focused ? search : null).map((part, index) =>
              part.match ? (
                <mark key={index} className="rounded-sm bg-amber-200">
                  {part.text}
                </mark>
              ) : (
                <span key={index}>{part.text}</span>
              ),
            )}
          </p>
        )}
        <p className="mt-0.5 flex items-center justify-end gap-1 text-[11px] text-slate-500">
          {message.source === "auto-reply" && (
            <span data-testid="bubble-automatic" className="italic">
              Automatic ·
            </span>
          )}
          <span>{bubbleTime(message.createdAt)}</span>
          {ticks && <Ticks ticks={ticks} />}
        </p>
        {message.status === "failed" && <Failure message={message} />}
        {canReply(message) && (
          <button
            type="button"
            onClick={onReply}
            data-testid="bubble-reply"
            className={`absolute top-1 ${outbound ? "-left-14" : "-right-14"} rounded-md bg-white/90 px-2 py-0.5 text-xs text-slate-600 opacity-0 shadow-xs group-hover:opacity-100 focus-visible:opacity-100 focus-visible:outline-2 focus-visible:outline-emerald-600`}
          >
            Reply
          </button>
        )}
      </div>
    </div>
  );
}

function Failure({ message }: { message: Message }) {
  const invalidate = useInvalidate();
  const retry = useMutation({
    mutationFn: () => api.retryMessage(message.id),
    onSettled: () => invalidate(queryKeys.threads, queryKeys.conversations, queryKeys.messages),
  });
  return (
    <div className="mt-1 border-t border-red-200 pt-1 text-xs text-red-700" data-testid="bubble-error">
      <p>{message.errorMessage ?? "The message could not be sent."}</p>
      {canRetry(message) && (
        <Button size="sm" variant="ghost" busy={retry.isPending} onClick={() => retry.mutate()} data-testid="bubble-retry">
          Retry
        </Button>
      )}
      {retry.isError && <p role="alert">{errorMessage(retry.error)}</p>}
    </div>
  );
}

/** A received photo, downloaded and scaled by the engine; a click opens it larger. */
function Photo({ message }: { message: Message }) {
  const [open, setOpen] = useState(false);
  const thumbnail = useMediaPreview(message.id, THUMBNAIL_SIDE, true);
  const full = useMediaPreview(message.id, FULL_SIDE, open);
  if (thumbnail.isPending) {
    return (
      <div className="flex h-40 w-56 items-center justify-center rounded-md bg-slate-100">
        <Spinner className="size-5" />
      </div>
    );
  }
  if (thumbnail.isError) {
    return <p className="text-xs text-slate-500">Photo not available: {errorMessage(thumbnail.error)}</p>;
  }
  return (
    <>
      <button type="button" onClick={() => setOpen(true)} className="block focus-visible:outline-2 focus-visible:outline-emerald-600">
        <img src={thumbnail.data} alt="Photo" data-testid="bubble-photo" className="max-h-72 rounded-md" />
      </button>
      {open && (
        <Modal title="Photo" onClose={() => setOpen(false)} width="lg">
          {full.data ? (
            <img src={full.data} alt="Photo" className="mx-auto max-h-[70vh]" />
          ) : (
            <Spinner className="mx-auto size-6" />
          )}
        </Modal>
      )}
    </>
  );
}

/** Another received file: what it is, and where it was saved once downloaded. */
function FileChip({ message }: { message: Message }) {
  const invalidate = useInvalidate();
  const download = useMutation({
    mutationFn: () => api.downloadMedia(message.id),
    onSettled: () => invalidate(queryKeys.threads),
  });
  const saved = download.data?.mediaPath ?? message.mediaPath;
  return (
    <div className="mb-1 flex items-center gap-2 rounded-md bg-slate-100 px-2 py-1.5" data-testid="bubble-file">
      <span className="text-xs font-medium text-slate-700">{kindWord(message.kind)}</span>
      {saved ? (
        <span className="min-w-0 truncate text-xs text-slate-500" title={saved}>
          Saved to {saved}
        </span>
      ) : (
        <Button size="sm" busy={download.isPending} onClick={() => download.mutate()}>
          Download
        </Button>
      )}
      {download.isError && <span className="text-xs text-red-700">{errorMessage(download.error)}</span>}
    </div>
  );
}
