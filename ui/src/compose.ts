import { ApiFailure } from "./api";
import {
  LIMITS,
  type ComposeContent,
  type InstanceId,
  type MediaKind,
  type Message,
  type MessageTemplate,
  type NumberPresence,
  type RecipientCheck,
  type Region,
  type SendRequest,
} from "./bindings";
import { formatTime, formatTypedPhone } from "./format";
import { isHttpUrl, optional } from "./validation";

/** WhatsApp's limit for a text message (and a caption). */
export const MAX_TEXT_CHARS = LIMITS.maxTextChars;

/** Characters as the engine counts them (Unicode characters, so an emoji is one, not two). */
export function characterCount(text: string): number {
  return [...text].length;
}

export const MEDIA_KINDS: MediaKind[] = ["image", "video", "audio", "document"];

/** What the composer's type switcher offers: a text, each kind of media, a location, a contact
 *  card, or (on numbers that use them) one of the account's message templates. */
export type ComposeType = "text" | MediaKind | "location" | "contact" | "template";

export const COMPOSE_TYPES: { value: ComposeType; label: string }[] = [
  { value: "text", label: "Text" },
  { value: "image", label: "Photo" },
  { value: "video", label: "Video" },
  { value: "audio", label: "Audio" },
  { value: "document", label: "Document" },
  { value: "location", label: "Location" },
  { value: "contact", label: "Contact" },
  { value: "template", label: "Template" },
];

/** The types a number offers: templates only where its provider sends them. */
export function composeTypesFor(usesTemplates: boolean): { value: ComposeType; label: string }[] {
  return COMPOSE_TYPES.filter((type) => usesTemplates || type.value !== "template");
}

/** A template's key in the composer's choice: its name and language. */
export function templateKey(template: Pick<MessageTemplate, "name" | "language">): string {
  return `${template.name}|${template.language}`;
}

export function isComposeType(value: string): value is ComposeType {
  return COMPOSE_TYPES.some((type) => type.value === value);
}

export function isMediaType(type: ComposeType): type is MediaKind {
  return (MEDIA_KINDS as string[]).includes(type);
}

/** Everything the composer's inputs hold, as typed. */
export type ComposeForm = {
  type: ComposeType;
  to: string;
  text: string;
  mediaUrl: string;
  mediaPath: string;
  caption: string;
  latitude: string;
  longitude: string;
  placeName: string;
  address: string;
  contactName: string;
  contactPhone: string;
  organization: string;
  email: string;
  /** The chosen template (`templateKey`), and a value for each of its variables. */
  template: string;
  templateVariables: string[];
  /** The `datetime-local` value of "Send later", or empty to send now. */
  schedule: string;
};

export const EMPTY_COMPOSE: ComposeForm = {
  type: "text",
  to: "",
  text: "",
  mediaUrl: "",
  mediaPath: "",
  caption: "",
  latitude: "",
  longitude: "",
  placeName: "",
  address: "",
  contactName: "",
  contactPhone: "",
  organization: "",
  email: "",
  template: "",
  templateVariables: [],
  schedule: "",
};

/** The message a reply quotes, as the composer shows it. */
export type ReplyTarget = {
  messageId: string;
  instanceId: InstanceId;
  /** Where the reply goes: the group address, or the person. */
  to: string;
  /** A short quote of the original. */
  quote: string;
};

export function isGroupAddress(to: string): boolean {
  return /@g\.us$/i.test(to.trim());
}

export function replyTargetOf(message: Message): ReplyTarget | null {
  if (!message.providerMessageId) return null;
  const to = isGroupAddress(message.chatJid) ? message.chatJid : message.contact;
  return {
    messageId: message.id,
    instanceId: message.instanceId,
    to,
    quote: message.body ?? `(${message.kind})`,
  };
}

/** The last part of a file path, for showing a chosen file. */
export function fileNameOf(path: string): string {
  const parts = path.split(/[\\/]/).filter((part) => part !== "");
  return parts[parts.length - 1] ?? path;
}

/** A latitude or longitude as typed; a decimal comma is accepted. */
export function parseCoordinate(value: string): number | null {
  const text = value.trim().replace(",", ".");
  if (text === "" || !/^[+-]?(\d+\.?\d*|\.\d+)$/.test(text)) return null;
  const number = Number(text);
  return Number.isFinite(number) ? number : null;
}

const pad2 = (value: number) => String(value).padStart(2, "0");

/** A time as the value of a `datetime-local` input (local time, minutes). */
export function toDateTimeLocal(at: number): string {
  const date = new Date(at);
  return `${date.getFullYear()}-${pad2(date.getMonth() + 1)}-${pad2(date.getDate())}T${pad2(date.getHours())}:${pad2(date.getMinutes())}`;
}

/** The time a `datetime-local` value means, in local time; null when empty or malformed. */
export function fromDateTimeLocal(value: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value.trim());
  if (!match) return null;
  const [year, month, day, hour, minute, second] = match.slice(1).map((part) => Number(part ?? 0));
  const date = new Date(year!, month! - 1, day!, hour!, minute!, second ?? 0);
  if (date.getMonth() !== month! - 1 || date.getDate() !== day!) return null;
  return date.getTime();
}

/** Checks an optional "send later" time: empty is fine, otherwise a valid time not in the past. */
export function validateSchedule(value: string, now: number): string | null {
  if (value.trim() === "") return null;
  const at = fromDateTimeLocal(value);
  if (at === null) return "Pick a valid date and time to send later.";
  // A minute of slack: the input has minute precision.
  if (at < now - 60_000) return "The send-later time has already passed. Pick a time in the future, or clear it.";
  return null;
}

/** Only an empty recipient is refused here: whether a number or address is valid is the engine's call. */
export function validateRecipient(to: string): string | null {
  return to.trim() === "" ? "Enter the phone number to send to, or choose a group." : null;
}

/** The engine's latest check of a recipient: the text it read and what it answered. */
export type RecipientCheckResult = { text: string; data: RecipientCheck | undefined; error: unknown };

/** The line under the "To" field. */
/** What the composer says of whether the recipient is on WhatsApp, when there is something to say. */
export type PresenceNote = { tone: "warning" | "quiet"; text: string };

export function presenceNote(presence: NumberPresence | undefined, now: number = Date.now()): PresenceNote | null {
  switch (presence?.presence) {
    case "not_on_whatsapp":
      return {
        tone: "warning",
        text: `${presence.display} is not on WhatsApp${
          presence.checkedAt === null ? "" : ` (checked ${formatTime(presence.checkedAt, now)})`
        }. A message to it would be refused.`,
      };
    case "checking":
      return { tone: "quiet", text: "Checking whether it is on WhatsApp…" };
    case "on_whatsapp":
      return { tone: "quiet", text: "On WhatsApp." };
    default:
      return null;
  }
}

export type RecipientNote =
  | { kind: "checking"; typed: string }
  | { kind: "reading"; display: string }
  | { kind: "problem"; problem: string };

/**
 * Why the engine refuses the recipient as typed now, if it does. A check of other text (typing
 * has moved on since) says nothing about it, and neither does one that failed for another reason.
 */
export function recipientProblem(to: string, check: RecipientCheckResult): string | null {
  if (to.trim() !== check.text) return null;
  const { error } = check;
  return error instanceof ApiFailure && error.code === "invalid_input" ? error.message : null;
}

/**
 * What to say under the "To" field: where the message goes or why it cannot, once the engine has
 * read the text; until then the text grouped as the default country writes numbers.
 */
export function recipientNote(to: string, check: RecipientCheckResult, defaultRegion: Region | null): RecipientNote | null {
  const typed = to.trim();
  if (typed === "") return null;
  const problem = recipientProblem(typed, check);
  if (problem !== null) return { kind: "problem", problem };
  if (typed === check.text) {
    if (check.data) return { kind: "reading", display: check.data.display };
    if (check.error) return null;
  }
  const grouped = typed.includes("@") ? "" : formatTypedPhone(typed, defaultRegion);
  return { kind: "checking", typed: grouped === "" ? typed : grouped };
}

function validateContent(form: ComposeForm): string | null {
  switch (form.type) {
    case "text":
      if (form.text.trim() === "") return "Write a message before sending.";
      if (characterCount(form.text.trim()) > MAX_TEXT_CHARS) return `A message can have at most ${MAX_TEXT_CHARS} characters.`;
      return null;
    case "image":
    case "video":
    case "audio":
    case "document": {
      const url = form.mediaUrl.trim();
      const path = form.mediaPath.trim();
      if (url === "" && path === "") return "Choose a file, or paste a link to one.";
      if (url !== "" && path !== "") return "Choose a file or give a link, not both.";
      if (url !== "" && !isHttpUrl(url)) return "The link must start with http:// or https://.";
      if (characterCount(form.caption.trim()) > MAX_TEXT_CHARS) return "The caption is too long.";
      return null;
    }
    case "location": {
      if (form.latitude.trim() === "" || form.longitude.trim() === "") return "Enter the latitude and longitude of the place.";
      const latitude = parseCoordinate(form.latitude);
      if (latitude === null || latitude < -90 || latitude > 90) return "The latitude must be a number between -90 and 90.";
      const longitude = parseCoordinate(form.longitude);
      if (longitude === null || longitude < -180 || longitude > 180)
        return "The longitude must be a number between -180 and 180.";
      return null;
    }
    case "template":
      if (form.template === "") return "Choose a template.";
      if (form.templateVariables.some((value) => value.trim() === "")) return "Fill in every variable of the template.";
      return null;
    case "contact": {
      if (form.contactName.trim() === "") return "Give the contact card a name.";
      if (form.contactPhone.trim() === "") return "Enter the phone number on the contact card.";
      const email = form.email.trim();
      if (email !== "" && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) return "The e-mail address on the contact card does not look right.";
      return null;
    }
  }
}

/** The first problem with the composer's inputs, as a sentence; null when it can be sent. */
export function validateCompose(form: ComposeForm, now: number): string | null {
  return validateRecipient(form.to) ?? validateContent(form) ?? validateSchedule(form.schedule, now);
}

/** The content to send, from inputs that passed `validateCompose`. */
export function buildContent(form: ComposeForm, replyTo: string | null = null): ComposeContent {
  switch (form.type) {
    case "text":
      return { type: "text", text: form.text.trim(), replyTo };
    case "image":
    case "video":
    case "audio":
    case "document":
      return {
        type: "media",
        kind: form.type,
        url: optional(form.mediaUrl),
        path: optional(form.mediaPath),
        caption: form.type === "audio" ? null : optional(form.caption),
        fileName: null,
      };
    case "location":
      return {
        type: "location",
        latitude: parseCoordinate(form.latitude),
        longitude: parseCoordinate(form.longitude),
        name: optional(form.placeName),
        address: optional(form.address),
      };
    case "template": {
      const [name, language] = form.template.split("|");
      return {
        type: "template",
        name: name ?? "",
        language: language ?? "",
        variables: form.templateVariables.map((value) => value.trim()),
      };
    }
    case "contact":
      return {
        type: "contact",
        fullName: form.contactName.trim(),
        phone: form.contactPhone.trim(),
        organization: optional(form.organization),
        email: optional(form.email),
      };
  }
}

export function buildSendRequest(
  instanceId: InstanceId,
  form: ComposeForm,
  replyTo: string | null,
  idempotencyKey: string | null,
): SendRequest {
  return {
    instanceId,
    to: form.to.trim(),
    content: buildContent(form, form.type === "text" ? replyTo : null),
    scheduledAt: form.schedule.trim() === "" ? null : fromDateTimeLocal(form.schedule),
    idempotencyKey,
  };
}

/** The inputs after a successful send: the recipient and type stay, the content and schedule go. */
export function clearedAfterSend(form: ComposeForm): ComposeForm {
  return { ...EMPTY_COMPOSE, type: form.type, to: form.to, template: form.template };
}

/** A fresh key so a double click or a repeated request sends one message, not two. */
export function newIdempotencyKey(): string {
  const crypto = globalThis.crypto as Crypto | undefined;
  if (crypto && typeof crypto.randomUUID === "function") return crypto.randomUUID();
  return `ui-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
}

/** File types the native picker offers per media kind (documents take anything). */
export const MEDIA_FILTERS: Record<MediaKind, { name: string; extensions: string[] } | null> = {
  image: { name: "Images", extensions: ["jpg", "jpeg", "png", "webp"] },
  video: { name: "Videos", extensions: ["mp4", "3gp"] },
  audio: { name: "Audio", extensions: ["mp3", "m4a", "aac", "ogg", "opus", "amr"] },
  document: null,
};
