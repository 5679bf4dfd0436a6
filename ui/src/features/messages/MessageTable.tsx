import { useState } from "react";
import type { InstanceId, Message } from "../../bindings";
import { InboundIcon, OutboundIcon } from "../../components/icons";
import { directionLabel, formatDateTime, formatPhone, formatTime, truncate } from "../../format";
import { useNow } from "../../hooks/useNow";
import { messageSourceLabel } from "../../localApi";
import { MessageActions } from "./MessageActions";
import { MessageHistory } from "./MessageHistory";
import { MessageStatusPill } from "./MessageStatusPill";

type Props = {
  messages: Message[];
  instanceNames: Map<InstanceId, string>;
  /** API key names by id, to say which app sent a message. */
  keyNames?: Map<string, string>;
  onReply: (message: Message) => void;
};

const NO_KEYS = new Map<string, string>();

const HEADERS = ["Time", "Instance", "Direction", "Contact", "Message", "Status", "Actions"];

export function MessageTable({ messages, instanceNames, keyNames = NO_KEYS, onReply }: Props) {
  const sorted = [...messages].sort((a, b) => b.createdAt - a.createdAt);
  // Only queued messages show times relative to now ("scheduled for …").
  const now = useNow(
    sorted.some((message) => message.status === "queued"),
    10_000,
  );
  return (
    <div className="overflow-clip rounded-xl bg-white shadow-xs ring-1 ring-slate-200">
      <table data-testid="message-log" className="w-full table-fixed text-left text-sm">
        <colgroup>
          <col className="w-28" />
          <col className="w-36" />
          <col className="w-20" />
          <col className="w-44" />
          <col />
          <col className="w-40" />
          <col className="w-44" />
        </colgroup>
        <thead className="border-b border-slate-200 bg-slate-50 text-xs font-medium uppercase tracking-wide text-slate-500">
          <tr>
            {HEADERS.map((header) => (
              <th key={header} scope="col" className="px-4 py-2.5 font-medium">
                {header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {sorted.map((message) => (
            <MessageRow
              key={message.id}
              message={message}
              instanceName={instanceNames.get(message.instanceId)}
              keyNames={keyNames}
              now={now}
              onReply={onReply}
            />
          ))}
        </tbody>
      </table>
      {sorted.length === 0 && (
        <p className="px-4 py-10 text-center text-sm text-slate-500">No messages match these filters yet.</p>
      )}
    </div>
  );
}

type RowProps = {
  message: Message;
  instanceName: string | undefined;
  keyNames: Map<string, string>;
  now: number;
  onReply: (message: Message) => void;
};

function MessageRow({ message, instanceName, keyNames, now, onReply }: RowProps) {
  const [historyOpen, setHistoryOpen] = useState(false);
  const inbound = message.direction === "inbound";
  const body = message.body ?? `(${message.kind})`;
  const source = messageSourceLabel(message.source, keyNames);
  return (
    <>
      <tr
        data-testid="message-row"
        data-status={message.status}
        data-message-id={message.id}
        data-source={message.source}
        className="align-top"
      >
        <td className="px-4 py-3 tabular-nums text-slate-500" title={formatDateTime(message.createdAt)}>
          {formatTime(message.createdAt)}
        </td>
        <td className="one-line px-4 py-3 text-slate-700">{instanceName ?? "Unknown instance"}</td>
        <td className="px-4 py-3">
          <span className={`inline-flex items-center gap-1 ${inbound ? "text-sky-700" : "text-emerald-700"}`}>
            {inbound ? <InboundIcon /> : <OutboundIcon />}
            {directionLabel(message.direction)}
          </span>
        </td>
        <td className="px-4 py-3 text-slate-700">
          <div className="one-line tabular-nums" data-selectable>
            {formatPhone(message.contact)}
          </div>
          {message.senderName && <div className="one-line text-xs text-slate-500">{message.senderName}</div>}
        </td>
        <td className={`px-4 py-3 ${message.body ? "text-slate-800" : "italic text-slate-400"}`} title={body}>
          <div className="one-line" data-selectable>
            {truncate(body, 140)}
          </div>
          {(source || (message.kind !== "text" && message.body)) && (
            <div className="mt-0.5 text-xs not-italic text-slate-400">
              {[message.kind !== "text" && message.body ? message.kind : null, source].filter(Boolean).join(" · ")}
            </div>
          )}
        </td>
        <td className="px-4 py-3">
          <MessageStatusPill message={message} now={now} />
        </td>
        <td className="px-4 py-3">
          <MessageActions
            message={message}
            onReply={onReply}
            historyOpen={historyOpen}
            onToggleHistory={() => setHistoryOpen((open) => !open)}
          />
        </td>
      </tr>
      {historyOpen && (
        <tr data-testid="message-history-row" data-message-id={message.id} className="bg-slate-50/70">
          <td colSpan={HEADERS.length} className="px-4 py-3">
            <MessageHistory messageId={message.id} />
          </td>
        </tr>
      )}
    </>
  );
}
