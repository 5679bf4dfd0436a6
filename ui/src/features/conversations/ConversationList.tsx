import { useLayoutEffect, useRef } from "react";
import { errorMessage } from "../../api";
import type { Conversation, InstanceId } from "../../bindings";
import { Button } from "../../components/Button";
import { Spinner } from "../../components/Spinner";
import { listTime, previewLine, ticksOf } from "../../conversations";
import { useNow } from "../../hooks/useNow";
import { Ticks } from "./Ticks";

type Props = {
  conversations: Conversation[];
  instanceNames: Map<InstanceId, string>;
  /** Whether each row says which number it is on (the "all numbers" view). */
  showNumber: boolean;
  selectedId: number | null;
  onSelect: (id: number) => void;
  /** Up/down from the list: -1 or +1. */
  onMove: (step: number) => void;
  loading: boolean;
  error: unknown;
  hasMore: boolean;
  loadMore: () => void;
  filtered: boolean;
  /** While a search also lists messages, the list takes less room and says what it holds. */
  compact?: boolean;
};

/**
 * Keeps the row a person is looking at where it is when new activity moves rows above it: the
 * first visible row's offset is noted on every scroll and restored after each update.
 */
function useScrollAnchor(rows: Conversation[]) {
  const box = useRef<HTMLDivElement>(null);
  const anchor = useRef<{ id: string; offset: number } | null>(null);

  const note = () => {
    const element = box.current;
    if (!element || element.scrollTop === 0) {
      anchor.current = null;
      return;
    }
    const top = element.getBoundingClientRect().top;
    for (const row of element.querySelectorAll<HTMLElement>("[data-conversation-id]")) {
      const rect = row.getBoundingClientRect();
      if (rect.bottom > top) {
        anchor.current = { id: row.dataset.conversationId ?? "", offset: rect.top - top };
        return;
      }
    }
  };

  useLayoutEffect(() => {
    const element = box.current;
    const held = anchor.current;
    if (!element || !held) return;
    const row = element.querySelector<HTMLElement>(`[data-conversation-id="${held.id}"]`);
    if (!row) return;
    const drift = row.getBoundingClientRect().top - element.getBoundingClientRect().top - held.offset;
    if (drift !== 0) element.scrollTop += drift;
  }, [rows]);

  return { box, note };
}

export function ConversationList(props: Props) {
  const { conversations, selectedId, onSelect, onMove } = props;
  const now = useNow(true, 60_000);
  const { box, note } = useScrollAnchor(conversations);

  if (props.loading) {
    return (
      <p className="flex items-center gap-2 p-4 text-sm text-slate-500">
        <Spinner className="size-4" /> Loading conversations…
      </p>
    );
  }
  if (props.error) {
    return (
      <p role="alert" className="p-4 text-sm text-red-700">
        {errorMessage(props.error)}
      </p>
    );
  }
  return (
    <div
      ref={box}
      onScroll={note}
      role="listbox"
      aria-label="Conversations"
      data-testid="conversation-list"
      className={props.compact ? "max-h-[45%] min-h-0 shrink-0 overflow-y-auto" : "min-h-0 flex-1 overflow-y-auto"}
      onKeyDown={(event) => {
        if (event.key === "ArrowDown" || event.key === "ArrowUp") {
          event.preventDefault();
          onMove(event.key === "ArrowDown" ? 1 : -1);
        }
      }}
    >
      {props.compact && (
        <p className="sticky top-0 z-10 bg-white px-3 py-1.5 text-xs font-semibold tracking-wide text-emerald-700 uppercase">Chats</p>
      )}
      {conversations.length === 0 && (
        <p className={`${props.compact ? "px-3 py-2 text-xs" : "px-4 py-10 text-center text-sm"} text-slate-500`}>
          {props.filtered ? "No conversation matches." : "No conversations yet: they start when a customer writes or you send."}
        </p>
      )}
      {conversations.map((conversation) => (
        <ConversationRow
          key={conversation.id}
          conversation={conversation}
          number={props.showNumber ? props.instanceNames.get(conversation.instanceId) : undefined}
          selected={conversation.id === selectedId}
          onSelect={() => onSelect(conversation.id)}
          now={now}
        />
      ))}
      {props.hasMore && (
        <div className="flex justify-center p-3">
          <Button size="sm" onClick={props.loadMore}>
            Show older conversations
          </Button>
        </div>
      )}
    </div>
  );
}

type RowProps = {
  conversation: Conversation;
  number: string | undefined;
  selected: boolean;
  onSelect: () => void;
  now: number;
};

function ConversationRow({ conversation, number, selected, onSelect, now }: RowProps) {
  const ref = useRef<HTMLButtonElement>(null);
  useLayoutEffect(() => {
    if (selected && ref.current && document.activeElement?.closest("[data-testid=conversation-list]")) {
      ref.current.focus();
    }
    if (selected) ref.current?.scrollIntoView({ block: "nearest" });
  }, [selected]);
  const { contact, lastMessage, unread } = conversation;
  const ticks = lastMessage ? ticksOf(lastMessage) : null;
  return (
    <button
      ref={ref}
      type="button"
      role="option"
      aria-selected={selected}
      data-conversation-id={conversation.id}
      data-testid="conversation-row"
      onClick={onSelect}
      className={`flex w-full items-start gap-3 border-b border-slate-100 px-3 py-2.5 text-left focus-visible:outline-2 focus-visible:-outline-offset-2 focus-visible:outline-emerald-600 ${
        selected ? "bg-emerald-50" : "hover:bg-slate-50"
      }`}
    >
      <Avatar name={contact.displayName} group={contact.isGroup} />
      <span className="min-w-0 flex-1">
        <span className="flex items-baseline justify-between gap-2">
          <span data-testid="conversation-name" className="truncate text-sm font-medium text-slate-900">
            {contact.displayName}
          </span>
          <span className={`shrink-0 text-xs ${unread > 0 ? "font-medium text-emerald-700" : "text-slate-500"}`}>
            {listTime(conversation.lastAt, now)}
          </span>
        </span>
        <span className="mt-0.5 flex items-center justify-between gap-2">
          <span className="flex min-w-0 items-center gap-1 text-xs text-slate-500">
            {ticks && <Ticks ticks={ticks} />}
            <span data-testid="conversation-preview" className="truncate">
              {previewLine(conversation)}
            </span>
          </span>
          {unread > 0 && (
            <span
              data-testid="conversation-unread"
              aria-label={`${unread} unread`}
              className="min-w-5 shrink-0 rounded-full bg-emerald-600 px-1.5 text-center text-[11px] leading-5 font-semibold text-white"
            >
              {unread}
            </span>
          )}
        </span>
        {(number || contact.labels.length > 0) && (
          <span className="mt-1 flex flex-wrap items-center gap-1">
            {number && <span className="text-[11px] text-slate-500">on {number}</span>}
            {contact.labels.map((label) => (
              <LabelChip key={label.id} name={label.name} color={label.color} />
            ))}
          </span>
        )}
      </span>
    </button>
  );
}

export function LabelChip({ name, color }: { name: string; color: string }) {
  return (
    <span
      className="inline-flex items-center rounded-full px-1.5 text-[11px] leading-4 font-medium text-white"
      style={{ backgroundColor: color }}
    >
      {name}
    </span>
  );
}

export function Avatar({ name, group }: { name: string; group: boolean }) {
  const initials =
    name
      .replace(/^\+/, "")
      .split(/\s+/)
      .filter((part) => /\p{L}/u.test(part))
      .slice(0, 2)
      .map((part) => part[0]?.toUpperCase())
      .join("") || (group ? "G" : "#");
  return (
    <span
      aria-hidden="true"
      className={`flex size-10 shrink-0 items-center justify-center rounded-full text-sm font-semibold ${
        group ? "bg-sky-100 text-sky-700" : "bg-emerald-100 text-emerald-800"
      }`}
    >
      {initials}
    </span>
  );
}
