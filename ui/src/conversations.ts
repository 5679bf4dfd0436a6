import type { Conversation, MediaKind, Message, MessageStatus } from "./bindings";
import { truncate } from "./format";

/** How a bubble's status reads at a glance, as WhatsApp draws it. */
export type Ticks = "clock" | "sent" | "delivered" | "read" | "failed";

export function ticksOf(message: Pick<Message, "direction" | "status">): Ticks | null {
  if (message.direction === "inbound") return null;
  const byStatus: Partial<Record<MessageStatus, Ticks>> = {
    queued: "clock",
    sending: "clock",
    sent: "sent",
    delivered: "delivered",
    read: "read",
    failed: "failed",
    cancelled: "failed",
  };
  return byStatus[message.status] ?? null;
}

export function ticksLabel(ticks: Ticks): string {
  switch (ticks) {
    case "clock":
      return "Waiting to send";
    case "sent":
      return "Sent";
    case "delivered":
      return "Delivered";
    case "read":
      return "Read";
    case "failed":
      return "Not sent";
  }
}

function startOfDay(at: number): number {
  const date = new Date(at);
  date.setHours(0, 0, 0, 0);
  return date.getTime();
}

/** Whole local days from `at`'s day to `now`'s day (0: today, 1: yesterday). */
function daysAgo(at: number, now: number): number {
  return Math.round((startOfDay(now) - startOfDay(at)) / 86_400_000);
}

function dateLabel(at: number, now: number): string {
  const sameYear = new Date(at).getFullYear() === new Date(now).getFullYear();
  return new Date(at).toLocaleDateString(undefined, {
    day: "numeric",
    month: "short",
    ...(sameYear ? {} : { year: "numeric" }),
  });
}

/** The time beside a conversation: the time today, the weekday this week, the date before. */
export function listTime(at: number, now: number): string {
  const days = daysAgo(at, now);
  if (days <= 0) return new Date(at).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
  if (days === 1) return "Yesterday";
  if (days < 7) return new Date(at).toLocaleDateString(undefined, { weekday: "long" });
  return dateLabel(at, now);
}

/** The separator above a day's bubbles. */
export function dayLabel(at: number, now: number): string {
  const days = daysAgo(at, now);
  if (days <= 0) return "Today";
  if (days === 1) return "Yesterday";
  if (days < 7) return new Date(at).toLocaleDateString(undefined, { weekday: "long" });
  return dateLabel(at, now);
}

export function bubbleTime(at: number): string {
  return new Date(at).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
}

export type DayGroup = { key: number; label: string; messages: Message[] };

/** Messages (in any order) oldest first, in groups of one local day each. */
export function groupByDay(messages: Message[], now: number): DayGroup[] {
  const sorted = [...messages].sort((a, b) => a.createdAt - b.createdAt || a.seq - b.seq);
  const groups: DayGroup[] = [];
  for (const message of sorted) {
    const key = startOfDay(message.createdAt);
    const last = groups[groups.length - 1];
    if (last && last.key === key) last.messages.push(message);
    else groups.push({ key, label: dayLabel(message.createdAt, now), messages: [message] });
  }
  return groups;
}

const KIND_WORDS: Record<string, string> = {
  image: "Photo",
  video: "Video",
  audio: "Audio",
  document: "Document",
  sticker: "Sticker",
  location: "Location",
  contact: "Contact card",
  reaction: "Reaction",
};

/** A message kind in a word, for media without a caption. */
export function kindWord(kind: string): string {
  return KIND_WORDS[kind] ?? "Message";
}

/** The one line under a conversation's name: who wrote last and what. */
export function previewLine(conversation: Pick<Conversation, "lastMessage">): string {
  const message = conversation.lastMessage;
  if (!message) return "";
  const what = message.body?.trim() || kindWord(message.kind);
  const text = truncate(what, 80);
  return message.direction === "outbound" ? `You: ${text}` : text;
}

export type Segment = { text: string; match: boolean };

/** `text` cut into the parts that match one of the search's words (any case) and the rest. */
export function highlight(text: string, search: string | null): Segment[] {
  const words = (search ?? "")
    .split(/\s+/)
    .map((w) => w.trim())
    .filter((w) => w.length > 0)
    .map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  if (words.length === 0) return [{ text, match: false }];
  const pattern = new RegExp(`(${words.join("|")})`, "gi");
  return text
    .split(pattern)
    .filter((part) => part !== "")
    .map((part) => ({ text: part, match: words.some((w) => new RegExp(`^${w}$`, "i").test(part)) }));
}

/** What a key press in the conversation composer does. */
export function composerKeyAction(
  key: { key: string; shiftKey: boolean; ctrlKey: boolean; metaKey: boolean; isComposing?: boolean },
  sendWithCtrlEnter: boolean,
): "send" | null {
  if (key.key !== "Enter" || key.isComposing) return null;
  const modified = key.ctrlKey || key.metaKey;
  if (sendWithCtrlEnter) return modified ? "send" : null;
  return key.shiftKey || modified ? null : "send";
}

/** The conversation `step` places from `current` (down: +1), staying within the list. */
export function moveSelection(ids: number[], current: number | null, step: number): number | null {
  if (ids.length === 0) return null;
  const at = current === null ? -1 : ids.indexOf(current);
  if (at === -1) return ids[step > 0 ? 0 : ids.length - 1] ?? null;
  return ids[Math.min(ids.length - 1, Math.max(0, at + step))] ?? null;
}

const EXTENSION_KINDS: Record<string, MediaKind> = {
  jpg: "image",
  jpeg: "image",
  png: "image",
  webp: "image",
  mp4: "video",
  "3gp": "video",
  mov: "video",
  mp3: "audio",
  m4a: "audio",
  aac: "audio",
  ogg: "audio",
  opus: "audio",
  amr: "audio",
};

/** How a file is sent, by its name: photos, videos and audio as such, anything else as a document. */
export function mediaKindForPath(path: string): MediaKind {
  const extension = path.split(".").pop()?.toLowerCase() ?? "";
  return EXTENSION_KINDS[extension] ?? "document";
}

/** The window's title: the unread count first, as mail and chat apps do. */
export function windowTitle(unread: number): string {
  return unread > 0 ? `(${unread}) Switchboard` : "Switchboard";
}

export type Quote = { author: string; text: string };

/** What a reply shows above itself: who wrote the quoted message and its first words. */
export function quoteOf(message: Pick<Message, "quotedId">, byProviderId: Map<string, Message>): Quote | null {
  if (!message.quotedId) return null;
  const quoted = byProviderId.get(message.quotedId);
  if (!quoted) return { author: "", text: "A message earlier in the chat" };
  const author = quoted.direction === "outbound" ? "You" : (quoted.senderName ?? quoted.contact);
  const text = quoted.body?.trim() || kindWord(quoted.kind);
  return { author, text: truncate(text, 120) };
}
