import { useMutation } from "@tanstack/react-query";
import { api, errorMessage } from "../../api";
import type { Message } from "../../bindings";
import { highlight, listTime } from "../../conversations";
import { formatPhone, truncate } from "../../format";
import { useNow } from "../../hooks/useNow";
import { useMessages } from "../../queries";

type Props = {
  search: string;
  instanceId: string | null;
  onOpen: (conversationId: number, messageId: string) => void;
};

/** Messages whose text matches, under the conversations whose contact does; a click opens the message in its conversation. */
export function SearchResults({ search, instanceId, onOpen }: Props) {
  const now = useNow(true, 60_000);
  const results = useMessages({ instanceId, direction: null, status: null, campaignId: null, search });
  const messages = (results.data?.pages.flat() ?? []).filter((m) => m.body && highlight(m.body, search).some((p) => p.match));
  const open = useMutation({
    mutationFn: (message: Message) => api.conversationOfMessage(message.id),
    onSuccess: (conversation, message) => onOpen(conversation.id, message.id),
  });
  return (
    <div className="min-h-24 flex-1 overflow-y-auto border-t border-slate-200" data-testid="search-results">
      <p className="sticky top-0 bg-white px-3 py-1.5 text-xs font-semibold tracking-wide text-emerald-700 uppercase">Messages</p>
      {results.isPending && <p className="px-3 py-2 text-xs text-slate-500">Searching…</p>}
      {!results.isPending && messages.length === 0 && <p className="px-3 py-2 text-xs text-slate-500">No message contains “{search}”.</p>}
      {open.isError && <p role="alert" className="px-3 text-xs text-red-700">{errorMessage(open.error)}</p>}
      {messages.map((message) => (
        <button
          key={message.id}
          type="button"
          onClick={() => open.mutate(message)}
          data-testid="search-result"
          className="block w-full border-b border-slate-100 px-3 py-2 text-left hover:bg-slate-50 focus-visible:outline-2 focus-visible:-outline-offset-2 focus-visible:outline-emerald-600"
        >
          <span className="flex justify-between gap-2 text-xs text-slate-500">
            <span className="truncate">{message.senderName ?? formatPhone(message.contact)}</span>
            <span className="shrink-0">{listTime(message.createdAt, now)}</span>
          </span>
          <span className="mt-0.5 block truncate text-sm text-slate-800">
            {highlight(truncate(message.body ?? "", 120), search).map((part, index) =>
              part.match ? (
                <mark key={index} className="rounded-sm bg-amber-200">
                  {part.text}
                </mark>
              ) : (
                <span key={index}>{part.text}</span>
              ),
            )}
          </span>
        </button>
      ))}
    </div>
  );
}
