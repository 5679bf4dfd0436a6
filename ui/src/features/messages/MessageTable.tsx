import type { InstanceId, Message } from "../../bindings";
import { InboundIcon, OutboundIcon } from "../../components/icons";
import { directionLabel, formatDateTime, formatPhone, formatTime, truncate } from "../../format";
import { MessageStatusPill } from "./MessageStatusPill";

type Props = { messages: Message[]; instanceNames: Map<InstanceId, string> };

const HEADERS = ["Time", "Instance", "Direction", "Contact", "Message", "Status"];

export function MessageTable({ messages, instanceNames }: Props) {
  const sorted = [...messages].sort((a, b) => b.createdAt - a.createdAt);
  return (
    <div className="overflow-clip rounded-xl bg-white shadow-xs ring-1 ring-slate-200">
      <table data-testid="message-log" className="w-full table-fixed text-left text-sm">
        <colgroup>
          <col className="w-28" />
          <col className="w-40" />
          <col className="w-24" />
          <col className="w-44" />
          <col />
          <col className="w-40" />
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
            <MessageRow key={message.id} message={message} instanceName={instanceNames.get(message.instanceId)} />
          ))}
        </tbody>
      </table>
      {sorted.length === 0 && (
        <p className="px-4 py-10 text-center text-sm text-slate-500">No messages match these filters yet.</p>
      )}
    </div>
  );
}

function MessageRow({ message, instanceName }: { message: Message; instanceName: string | undefined }) {
  const inbound = message.direction === "inbound";
  const body = message.body ?? `(${message.kind})`;
  return (
    <tr data-testid="message-row" data-status={message.status} data-message-id={message.id} className="align-top">
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
      </td>
      <td className="px-4 py-3">
        <MessageStatusPill message={message} />
      </td>
    </tr>
  );
}
