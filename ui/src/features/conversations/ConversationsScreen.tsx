import { useEffect, useRef, useState } from "react";
import { api } from "../../api";
import type { Conversation } from "../../bindings";
import { Select } from "../../components/Select";
import { moveSelection } from "../../conversations";
import { useDebounced } from "../../hooks/useDebounced";
import { useConversations, useInstances, useLabels, type ConversationQuery } from "../../queries";
import { ConversationList } from "./ConversationList";
import { SearchResults } from "./SearchResults";
import { Thread } from "./Thread";

type Props = {
  /** A conversation to open (a notification's, or a search result's). */
  openId: number | null;
  onOpen: (id: number | null) => void;
};

/** The inbox: conversations on the left, the open one on the right. */
export function ConversationsScreen({ openId, onOpen }: Props) {
  const instances = useInstances();
  const labels = useLabels();
  const [instanceId, setInstanceId] = useState<string | null>(null);
  const [unreadOnly, setUnreadOnly] = useState(false);
  const [labelId, setLabelId] = useState<number | null>(null);
  const [typed, setTyped] = useState("");
  // The search result a person opened: its conversation shows it, marked.
  const [focus, setFocus] = useState<string | null>(null);
  const search = useDebounced(typed.trim(), 250);
  const query: ConversationQuery = { instanceId, unreadOnly, labelId, search: search === "" ? null : search };
  const conversations = useConversations(query);
  const rows = conversations.data?.pages.flat() ?? [];
  const searchBox = useRef<HTMLInputElement>(null);
  // The open conversation stays shown when a filter hides it, or when it was opened from beyond
  // the loaded pages (a search result): then it is fetched on its own.
  const [held, setHeld] = useState<Conversation | null>(null);
  const inList = rows.find((c) => c.id === openId) ?? null;
  useEffect(() => {
    if (inList) {
      setHeld(inList);
      return;
    }
    if (openId === null || held?.id === openId) return;
    let current = true;
    void api.getConversation(openId).then((c) => current && setHeld(c), () => undefined);
    return () => {
      current = false;
    };
  }, [inList, openId, held?.id]);
  const shown = inList ?? (held?.id === openId ? held : null);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "k") {
        event.preventDefault();
        searchBox.current?.focus();
        searchBox.current?.select();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  const names = new Map((instances.data ?? []).map((i) => [i.id, i.displayName]));
  const move = (step: number) => {
    setFocus(null);
    onOpen(moveSelection(rows.map((c) => c.id), openId, step));
  };

  return (
    <section className="flex min-w-0 flex-1">
      <aside className="flex w-[22rem] min-w-64 shrink flex-col border-r border-slate-200 bg-white max-[900px]:w-72">
        <div className="space-y-2 border-b border-slate-200 p-3">
          <input
            ref={searchBox}
            type="search"
            value={typed}
            onChange={(event) => setTyped(event.target.value)}
            onKeyDown={(event) => {
              if (event.key === "ArrowDown") {
                event.preventDefault();
                move(1);
              }
            }}
            placeholder="Search chats and messages (Ctrl+K)"
            aria-label="Search conversations"
            data-testid="conversation-search"
            className="w-full rounded-md border-0 bg-slate-100 px-3 py-2 text-sm text-slate-800 placeholder:text-slate-500 focus:bg-white focus:ring-2 focus:ring-emerald-600 focus:outline-none"
          />
          <div className="flex flex-wrap items-center gap-2">
            <Select
              aria-label="Number"
              value={instanceId ?? ""}
              onChange={(event) => setInstanceId(event.target.value || null)}
              data-testid="conversation-filter-number"
              className="min-w-0 flex-1"
            >
              <option value="">All numbers</option>
              {(instances.data ?? []).map((instance) => (
                <option key={instance.id} value={instance.id}>
                  {instance.displayName}
                </option>
              ))}
            </Select>
            <Select
              aria-label="Label"
              value={labelId ?? ""}
              onChange={(event) => setLabelId(event.target.value ? Number(event.target.value) : null)}
              data-testid="conversation-filter-label"
              className="min-w-0 flex-1"
            >
              <option value="">All labels</option>
              {(labels.data ?? []).map((label) => (
                <option key={label.id} value={label.id}>
                  {label.name}
                </option>
              ))}
            </Select>
            <label className="flex items-center gap-1.5 text-xs text-slate-600">
              <input
                type="checkbox"
                checked={unreadOnly}
                onChange={(event) => setUnreadOnly(event.target.checked)}
                data-testid="conversation-filter-unread"
                className="size-4 rounded border-slate-300 text-emerald-600 focus-visible:outline-2 focus-visible:outline-emerald-600"
              />
              Unread
            </label>
          </div>
        </div>
        <ConversationList
          conversations={rows}
          instanceNames={names}
          showNumber={instanceId === null && (instances.data?.length ?? 0) > 1}
          selectedId={openId}
          onSelect={(id) => {
            setFocus(null);
            onOpen(id);
          }}
          onMove={move}
          loading={conversations.isPending}
          error={conversations.error}
          hasMore={conversations.hasNextPage}
          loadMore={() => void conversations.fetchNextPage()}
          filtered={unreadOnly || labelId !== null || search !== ""}
          compact={search !== ""}
        />
        {search.length > 0 && (
          <SearchResults
            search={search}
            instanceId={instanceId}
            onOpen={(conversationId, messageId) => {
              setFocus(messageId);
              onOpen(conversationId);
            }}
          />
        )}
      </aside>
      {shown ? (
        <Thread
          key={`${shown.id}:${focus ?? ""}`}
          conversation={shown}
          instanceName={names.get(shown.instanceId)}
          onClose={() => {
            setFocus(null);
            onOpen(null);
          }}
          focusMessageId={focus}
          search={search === "" ? null : search}
        />
      ) : (
        <div className="flex flex-1 items-center justify-center bg-slate-50 p-8 text-center text-sm text-slate-500">
          <div>
            <p className="font-medium text-slate-700">Pick a conversation</p>
            <p className="mt-1">Messages your customers send to any of your numbers appear here.</p>
          </div>
        </div>
      )}
    </section>
  );
}
