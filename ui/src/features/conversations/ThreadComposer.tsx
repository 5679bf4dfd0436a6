import { useMutation } from "@tanstack/react-query";
import { getCurrentWebview } from "@tauri-apps/api/webview";
import { open } from "@tauri-apps/plugin-dialog";
import { useEffect, useRef, useState } from "react";
import { api, errorMessage, isRepeat } from "../../api";
import type { ComposeContent, Conversation, Message } from "../../bindings";
import { Button } from "../../components/Button";
import { characterCount, fileNameOf, MAX_TEXT_CHARS } from "../../compose";
import { composerKeyAction, mediaKindForPath } from "../../conversations";
import { truncate } from "../../format";
import { useInvalidate } from "../../hooks/useInvalidate";
import { queryKeys } from "../../queries";

type Props = {
  conversation: Conversation;
  replyTo: Message | null;
  onReplyDone: () => void;
  onSent: () => void;
};

/** What the composer sends: the text, as a photo's caption when a file is attached. */
function contentOf(text: string, attachment: string | null, replyTo: Message | null): ComposeContent {
  const trimmed = text.trim();
  if (attachment === null) return { type: "text", text: trimmed, replyTo: replyTo?.id ?? null };
  return {
    type: "media",
    kind: mediaKindForPath(attachment),
    url: null,
    path: attachment,
    caption: trimmed === "" ? null : trimmed,
    fileName: fileNameOf(attachment),
  };
}

/**
 * The composer under a thread: Enter sends, Shift+Enter starts a new line; a file comes by the
 * picker or dropped on the window. Sends take the same outbox, pacing and checks as every other.
 */
export function ThreadComposer({ conversation, replyTo, onReplyDone, onSent }: Props) {
  const invalidate = useInvalidate();
  const [text, setText] = useState("");
  const [attachment, setAttachment] = useState<string | null>(null);
  const box = useRef<HTMLTextAreaElement>(null);
  const send = useMutation({
    mutationFn: (allowRepeat: boolean) =>
      api.sendMessage({
        instanceId: conversation.instanceId,
        to: conversation.chatJid,
        content: contentOf(text, attachment, replyTo),
        scheduledAt: null,
        idempotencyKey: null,
        allowRepeat,
      }),
    onSuccess: () => {
      setText("");
      setAttachment(null);
      onReplyDone();
      onSent();
    },
    onSettled: () => invalidate(queryKeys.threads, queryKeys.conversations, queryKeys.messages, queryKeys.sendingHealths),
  });

  useEffect(() => {
    box.current?.focus();
  }, [conversation.id, replyTo]);

  // Files dropped anywhere on the window attach to the open conversation.
  useEffect(() => {
    let unlisten: (() => void) | null = null;
    let gone = false;
    try {
      void getCurrentWebview()
        .onDragDropEvent((event) => {
          if (event.payload.type === "drop" && event.payload.paths[0]) setAttachment(event.payload.paths[0]);
        })
        .then((stop) => (gone ? stop() : (unlisten = stop)))
        .catch(() => undefined);
    } catch {
      // Outside the desktop window (tests) there is nothing to listen to.
    }
    return () => {
      gone = true;
      unlisten?.();
    };
  }, []);

  const pick = async () => {
    const picked = await open({ multiple: false, directory: false });
    if (typeof picked === "string") setAttachment(picked);
  };

  const tooLong = characterCount(text) > MAX_TEXT_CHARS;
  const empty = text.trim() === "" && attachment === null;
  const submit = () => {
    if (!empty && !tooLong && !send.isPending) send.mutate(false);
  };

  return (
    <footer className="border-t border-slate-200 bg-[#f0f2f5] px-4 py-2.5">
      <ReplyWindowNote endsAt={conversation.replyWindowEndsAt} />
      {replyTo && (
        <div className="mb-2 flex items-start gap-2 rounded-md border-l-4 border-emerald-600 bg-white px-3 py-1.5 text-xs" data-testid="thread-reply">
          <div className="min-w-0 flex-1">
            <p className="font-medium text-emerald-700">Replying to {replyTo.direction === "outbound" ? "yourself" : (replyTo.senderName ?? "them")}</p>
            <p className="truncate text-slate-600">{truncate(replyTo.body ?? replyTo.kind, 120)}</p>
          </div>
          <button type="button" onClick={onReplyDone} aria-label="Do not reply to this message" className="text-slate-500 hover:text-slate-800">
            ✕
          </button>
        </div>
      )}
      {attachment && (
        <div className="mb-2 flex items-center gap-2 rounded-md bg-white px-3 py-1.5 text-xs" data-testid="thread-attachment">
          <span className="font-medium text-slate-700">{mediaKindForPath(attachment)}</span>
          <span className="min-w-0 flex-1 truncate text-slate-600">{fileNameOf(attachment)}</span>
          <button type="button" onClick={() => setAttachment(null)} aria-label="Remove the file" className="text-slate-500 hover:text-slate-800">
            ✕
          </button>
        </div>
      )}
      {send.isError && (
        <p role="alert" className="mb-2 text-xs text-red-700" data-testid="thread-error">
          {errorMessage(send.error)}
          {isRepeat(send.error) && (
            <button
              type="button"
              onClick={() => send.mutate(true)}
              className="ml-2 font-medium text-emerald-700 underline-offset-2 hover:underline"
              data-testid="thread-send-anyway"
            >
              Send it anyway
            </button>
          )}
        </p>
      )}
      <div className="flex items-end gap-2">
        <Button variant="ghost" onClick={() => void pick()} aria-label="Attach a file" title="Attach a photo, video, audio or document">
          <svg viewBox="0 0 20 20" fill="none" stroke="currentColor" strokeWidth={1.6} className="size-5" aria-hidden="true">
            <path d="m15.5 9.5-5.8 5.8a3.5 3.5 0 0 1-5-5l6.4-6.4a2.3 2.3 0 0 1 3.3 3.3l-6.3 6.3a1.2 1.2 0 0 1-1.7-1.7l5.7-5.7" strokeLinecap="round" />
          </svg>
        </Button>
        <textarea
          ref={box}
          rows={1}
          value={text}
          onChange={(event) => setText(event.target.value)}
          onKeyDown={(event) => {
            if (composerKeyAction(event.nativeEvent, false) === "send") {
              event.preventDefault();
              submit();
            }
          }}
          placeholder={attachment ? "Add a caption" : "Type a message"}
          aria-label="Message"
          data-testid="thread-text"
          className="max-h-40 min-h-10 flex-1 resize-none rounded-lg border-0 bg-white px-3 py-2 text-sm text-slate-900 [field-sizing:content] focus:ring-2 focus:ring-emerald-600 focus:outline-none"
        />
        <Button variant="primary" onClick={submit} busy={send.isPending} disabled={empty || tooLong} data-testid="thread-send">
          Send
        </Button>
      </div>
      {tooLong && <p className="mt-1 text-xs text-red-700">At most {MAX_TEXT_CHARS.toLocaleString()} characters.</p>}
    </footer>
  );
}

/** On numbers with a customer reply window (the official Cloud API): how long free-form replies
 *  still reach the customer, or that only a template does now. The engine refuses either way. */
function ReplyWindowNote({ endsAt }: { endsAt: number | null }) {
  if (endsAt === null) return null;
  const left = endsAt - Date.now();
  if (left > 0) {
    const hours = Math.floor(left / 3_600_000);
    const words = hours >= 1 ? `${hours} h` : `${Math.max(1, Math.ceil(left / 60_000))} min`;
    return (
      <p className="mb-1.5 text-xs text-slate-500" data-testid="reply-window" data-open="true">
        Free-form replies reach this customer for {words} more (WhatsApp's 24-hour window).
      </p>
    );
  }
  return (
    <p
      className="mb-1.5 rounded-md bg-amber-50 px-3 py-1.5 text-xs text-amber-800 ring-1 ring-inset ring-amber-200"
      data-testid="reply-window"
      data-open="false"
    >
      The 24-hour window is closed: only an approved template reaches this customer now. Send one from the number's
      page (Type → Template).
    </p>
  );
}
