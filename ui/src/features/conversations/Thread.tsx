import { useMutation } from "@tanstack/react-query";
import { useEffect, useLayoutEffect, useRef, useState } from "react";
import { api, errorMessage } from "../../api";
import type { Conversation, Message } from "../../bindings";
import { Button } from "../../components/Button";
import { Spinner } from "../../components/Spinner";
import { groupByDay } from "../../conversations";
import { useInvalidate } from "../../hooks/useInvalidate";
import { useNow } from "../../hooks/useNow";
import { queryKeys, useThread } from "../../queries";
import { Bubble } from "./Bubble";
import { ContactHeader } from "./ContactHeader";
import { ThreadComposer } from "./ThreadComposer";

type Props = {
  conversation: Conversation;
  instanceName: string | undefined;
  onClose: () => void;
  /** A message to bring into view (a search result). */
  focusMessageId?: string | null;
  /** The search that found it, highlighted in it. */
  search?: string | null;
};

/** Older pages are fetched when the person scrolls this close to the top. */
const LOAD_OLDER_PX = 120;
/** A search result deeper than this many pages is not chased. */
const MAX_FOCUS_PAGES = 20;

export function Thread({ conversation, instanceName, onClose, focusMessageId = null, search = null }: Props) {
  const thread = useThread(conversation.id, conversation.instanceId);
  const messages = thread.data?.pages.flat() ?? [];
  const byProviderId = new Map(messages.flatMap((m) => (m.providerMessageId ? [[m.providerMessageId, m] as const] : [])));
  const now = useNow(true, 60_000);
  const invalidate = useInvalidate();
  const [replyTo, setReplyTo] = useState<Message | null>(null);
  const scroller = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const heightBeforeOlder = useRef<number | null>(null);

  const markRead = useMutation({
    mutationFn: () => api.markConversationRead(conversation.id),
    onSettled: () => invalidate(queryKeys.conversations, queryKeys.unread),
  });
  // Opening a conversation reads it; so does a message arriving while it is open and the window in use.
  const unread = conversation.unread;
  useEffect(() => {
    // Only a new unread count asks again; the mutation object changes on every render.
    if (unread > 0 && document.hasFocus() && !markRead.isPending) markRead.mutate();
  }, [unread, conversation.id]);
  // What arrived while the person was in another window is read when they come back to this one.
  const readOnReturn = useRef(() => {});
  readOnReturn.current = () => {
    if (unread > 0 && !markRead.isPending) markRead.mutate();
  };
  useEffect(() => {
    const onFocus = () => readOnReturn.current();
    window.addEventListener("focus", onFocus);
    return () => window.removeEventListener("focus", onFocus);
  }, []);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape" && !document.querySelector("[role=dialog]")) onClose();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onClose]);

  // New messages keep the view at the bottom when it was there; older pages keep what was in view.
  useLayoutEffect(() => {
    const element = scroller.current;
    if (!element) return;
    if (heightBeforeOlder.current !== null) {
      element.scrollTop += element.scrollHeight - heightBeforeOlder.current;
      heightBeforeOlder.current = null;
    } else if (atBottom.current && !focusMessageId) {
      element.scrollTop = element.scrollHeight;
    }
  }, [messages.length, messages[0]?.id, focusMessageId]);

  // A search result: older pages are loaded until it is there, then it is brought into view.
  const found = focusMessageId ? messages.some((m) => m.id === focusMessageId) : true;
  const pages = thread.data?.pages.length ?? 0;
  useEffect(() => {
    if (!found && thread.hasNextPage && !thread.isFetchingNextPage && pages < MAX_FOCUS_PAGES) {
      void thread.fetchNextPage();
    }
  }, [found, thread, pages]);
  useEffect(() => {
    if (!focusMessageId || !found) return;
    document.querySelector(`[data-message-id="${focusMessageId}"]`)?.scrollIntoView({ block: "center" });
  }, [focusMessageId, found]);

  const onScroll = () => {
    const element = scroller.current;
    if (!element) return;
    atBottom.current = element.scrollHeight - element.scrollTop - element.clientHeight < 40;
    if (element.scrollTop < LOAD_OLDER_PX && thread.hasNextPage && !thread.isFetchingNextPage) {
      heightBeforeOlder.current = element.scrollHeight;
      void thread.fetchNextPage();
    }
  };

  const isGroup = conversation.contact.isGroup;
  return (
    <section className="flex min-w-0 flex-1 flex-col bg-[#efeae2]" data-testid="thread">
      <ContactHeader conversation={conversation} instanceName={instanceName} onClose={onClose} />
      <div ref={scroller} onScroll={onScroll} className="min-h-0 flex-1 overflow-y-auto px-[5%] py-3" data-testid="thread-messages">
        {thread.isFetchingNextPage && (
          <p className="flex justify-center py-2 text-xs text-slate-500">
            <Spinner className="size-4" />
          </p>
        )}
        {!thread.hasNextPage && messages.length > 0 && (
          <p className="py-2 text-center text-xs text-slate-500">This is the start of the conversation in the log.</p>
        )}
        {thread.isPending ? (
          <p className="flex items-center justify-center gap-2 py-10 text-sm text-slate-500">
            <Spinner className="size-4" /> Loading messages…
          </p>
        ) : thread.isError ? (
          <p role="alert" className="py-10 text-center text-sm text-red-700">
            {errorMessage(thread.error)}
          </p>
        ) : (
          groupByDay(messages, now).map((day) => (
            <div key={day.key}>
              <div className="sticky top-0 z-10 flex justify-center py-2">
                <span data-testid="day-separator" className="rounded-md bg-white/90 px-3 py-1 text-xs text-slate-600 shadow-xs">
                  {day.label}
                </span>
              </div>
              {day.messages.map((message) => (
                <Bubble
                  key={message.id}
                  message={message}
                  showSender={isGroup}
                  focused={message.id === focusMessageId}
                  search={search}
                  byProviderId={byProviderId}
                  onReply={() => setReplyTo(message)}
                />
              ))}
            </div>
          ))
        )}
        {markRead.isError && (
          <p role="alert" className="py-2 text-center text-xs text-red-700">
            {errorMessage(markRead.error)}{" "}
            <Button size="sm" variant="ghost" onClick={() => markRead.mutate()}>
              Try again
            </Button>
          </p>
        )}
      </div>
      <ThreadComposer
        conversation={conversation}
        replyTo={replyTo}
        onReplyDone={() => setReplyTo(null)}
        onSent={() => {
          atBottom.current = true;
        }}
      />
    </section>
  );
}
