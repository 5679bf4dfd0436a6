import { AsYouType, isSupportedCountry, parsePhoneNumberFromString } from "libphonenumber-js";
import type { Direction, Instance, InstanceStatus, MessageStatus, ProviderKind, Region } from "./bindings";

export type Tone = "green" | "amber" | "red" | "blue" | "gray";

const INSTANCE_STATUS: Record<InstanceStatus, { label: string; tone: Tone }> = {
  linking: { label: "Waiting for scan", tone: "blue" },
  connecting: { label: "Connecting", tone: "amber" },
  connected: { label: "Connected", tone: "green" },
  disconnected: { label: "Disconnected", tone: "gray" },
  logged_out: { label: "Logged out", tone: "red" },
  qr_limit_reached: { label: "QR expired", tone: "amber" },
  unreachable: { label: "Server unreachable", tone: "red" },
  missing: { label: "Missing on server", tone: "red" },
  suspended: { label: "Suspended by WhatsApp", tone: "red" },
  replaced: { label: "Opened elsewhere", tone: "amber" },
  needs_token: { label: "Needs a new token", tone: "red" },
  restricted: { label: "Restricted by WhatsApp", tone: "red" },
};

const MESSAGE_STATUS: Record<MessageStatus, { label: string; tone: Tone }> = {
  queued: { label: "Queued", tone: "gray" },
  sending: { label: "Sending", tone: "amber" },
  sent: { label: "Sent", tone: "blue" },
  delivered: { label: "Delivered", tone: "green" },
  read: { label: "Read", tone: "green" },
  failed: { label: "Failed", tone: "red" },
  received: { label: "Received", tone: "gray" },
  cancelled: { label: "Cancelled", tone: "gray" },
};

export const INSTANCE_STATUSES = Object.keys(INSTANCE_STATUS) as InstanceStatus[];
export const MESSAGE_STATUSES = Object.keys(MESSAGE_STATUS) as MessageStatus[];

export function instanceStatusLabel(status: InstanceStatus): string {
  return INSTANCE_STATUS[status]?.label ?? "Unknown";
}

export function instanceStatusTone(status: InstanceStatus): Tone {
  return INSTANCE_STATUS[status]?.tone ?? "gray";
}

export function messageStatusLabel(status: MessageStatus): string {
  return MESSAGE_STATUS[status]?.label ?? "Unknown";
}

export function messageStatusTone(status: MessageStatus): Tone {
  return MESSAGE_STATUS[status]?.tone ?? "gray";
}

export function directionLabel(direction: Direction): string {
  return direction === "inbound" ? "In" : "Out";
}

export function needsLinking(status: InstanceStatus): boolean {
  return status === "linking" || status === "qr_limit_reached" || status === "logged_out";
}

export function secondsLeft(expiresAt: number, now: number): number {
  return Math.max(0, Math.ceil((expiresAt - now) / 1000));
}

export function formatCountdown(expiresAt: number | null, now: number): string | null {
  if (expiresAt === null) return null;
  const seconds = secondsLeft(expiresAt, now);
  if (seconds === 0) return "New code any moment";
  return `New code in ${seconds} s`;
}

export function formatPairingCode(code: string): string {
  const compact = code.replace(/[\s-]/g, "").toUpperCase();
  if (compact.length !== 8) return code.trim().toUpperCase();
  return `${compact.slice(0, 4)}-${compact.slice(4)}`;
}

/**
 * A stored number (`+5511987654321`, or its digits) the international way, grouped as its country
 * groups it: `+55 11 98765 4321`. Anything that is not a phone number (a WhatsApp or group
 * address, a name) comes back as it is.
 */
export function formatPhone(phone: string): string {
  if (!/^\+?[\d\s().-]+$/.test(phone.trim())) return phone;
  const number = parsePhoneNumberFromString(`+${phone.replace(/\D/g, "")}`);
  return number ? number.formatInternational() : phone;
}

/**
 * A number as it is being typed, grouped the way its country writes it (`11987654321` with Brazil
 * as the default reads `(11) 98765-4321`). Only for showing: validity is the engine's call.
 */
export function formatTypedPhone(typed: string, defaultRegion: Region | null): string {
  const region = defaultRegion !== null && isSupportedCountry(defaultRegion) ? defaultRegion : undefined;
  return new AsYouType(region).input(typed.trim());
}

export function truncate(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  if (flat.length <= max) return flat;
  return `${flat.slice(0, Math.max(0, max - 1)).trimEnd()}…`;
}

function sameDay(a: Date, b: Date): boolean {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

export function formatTime(at: number, now: number = Date.now()): string {
  const date = new Date(at);
  const time = date.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
  if (sameDay(date, new Date(now))) return time;
  const day = date.toLocaleDateString(undefined, { day: "numeric", month: "short" });
  return `${day}, ${time}`;
}

export function formatDateTime(at: number): string {
  return new Date(at).toLocaleString();
}

const pad2 = (value: number) => String(value).padStart(2, "0");

/** The local time of day as `HH:MM:SS` (24-hour), whatever the locale. */
export function formatClock(at: number): string {
  const date = new Date(at);
  return `${pad2(date.getHours())}:${pad2(date.getMinutes())}:${pad2(date.getSeconds())}`;
}

/** A moment to the second: the clock time today, or the day and the clock time before. */
export function formatPreciseTime(at: number, now: number = Date.now()): string {
  const date = new Date(at);
  if (sameDay(date, new Date(now))) return formatClock(at);
  const day = date.toLocaleDateString(undefined, { day: "numeric", month: "short" });
  return `${day}, ${formatClock(at)}`;
}

/** Why a queued message has not gone out yet, when there is a time to say. */
export function queuedNote(
  message: { status: MessageStatus; nextAttemptAt: number | null; scheduledAt: number | null },
  now: number,
): string | null {
  if (message.status !== "queued") return null;
  if (message.nextAttemptAt !== null) return `Retrying at ${formatClock(message.nextAttemptAt)}`;
  if (message.scheduledAt !== null && message.scheduledAt > now) return `Scheduled for ${formatTime(message.scheduledAt, now)}`;
  return null;
}

/** A count with its noun, singular or plural: "1 message", "3 messages". */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count.toLocaleString()} ${count === 1 ? singular : pluralForm}`;
}

export function providerLabel(provider: ProviderKind): string {
  switch (provider) {
    case "evolution":
      return "Evolution API";
    case "native":
      return "This computer";
    case "cloud":
      return "WhatsApp Cloud API";
  }
}

/** How the number's messages, receipts and status reach Switchboard right now, in words. */
export function eventPathLabel(instance: Pick<Instance, "eventPath">): string {
  switch (instance.eventPath) {
    case "direct":
      return "Events come straight from WhatsApp to this computer.";
    case "webhook":
      return "Events arrive by webhook from the server to this computer.";
    case "stream":
      return "Events arrive over the server's event stream, which this computer keeps open.";
    case "webhookQuiet":
      return "No webhook has arrived lately (the server may not reach this computer): events are read from the server every few seconds meanwhile.";
    case "serverLog":
      return "Events are read from the server every few seconds: it cannot call this computer.";
    case "webhookAwaited":
      return "Receipts and customers' messages arrive only by webhook, and none has arrived lately: check the webhook set-up below.";
  }
}

export function isMessageStatus(value: string): value is MessageStatus {
  return (MESSAGE_STATUSES as string[]).includes(value);
}

export function isDirection(value: string): value is Direction {
  return value === "inbound" || value === "outbound";
}

/**
 * Whether a phone was ever linked to this number: only then is there a session to log out of.
 * The number's own phone is known from its first connection on.
 */
export function wasLinked(instance: Pick<Instance, "phone">): boolean {
  return instance.phone !== null;
}
