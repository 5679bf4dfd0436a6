import {
  LIMITS,
  type ApiKey,
  type Delivery,
  type InstanceId,
  type NewApiKey,
  type NewSubscription,
  type Subscription,
} from "./bindings";
import type { Tone } from "./format";
import { isHttpUrl } from "./validation";

/** What the address line says about the local API. */
export function apiAddressLabel(address: string | null, enabled: boolean | undefined): string {
  if (enabled === false) return "Switched off";
  if (address === null) return "Not listening";
  return `Listening on ${address}`;
}

/** A key as a person recognises it: the start of its secret. */
export function keyPrefixLabel(prefix: string): string {
  const bare = prefix.startsWith("sbk_") ? prefix.slice(4) : prefix;
  return `sbk_${bare}…`;
}

export function dailyLimitLabel(limit: number | null): string {
  if (limit === null) return "No daily limit";
  return `At most ${limit.toLocaleString()} ${limit === 1 ? "message" : "messages"} a day`;
}

/** The display names of the instances a key may use, in the order of the instance list. */
export function instanceNamesFor(ids: readonly InstanceId[], names: ReadonlyMap<InstanceId, string>): string[] {
  const known = [...names.keys()].filter((id) => ids.includes(id)).map((id) => names.get(id) ?? "");
  const unknown = ids.filter((id) => !names.has(id)).length;
  if (unknown > 0) known.push(unknown === 1 ? "a deleted instance" : `${unknown} deleted instances`);
  return known;
}

/** "Loja A", "Loja A and Loja B", "Loja A, Loja B and Loja C". */
export function joinNames(names: readonly string[]): string {
  if (names.length <= 1) return names[0] ?? "";
  return `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}

export const MAX_KEY_NAME = LIMITS.maxKeyNameChars;

export type ApiKeyForm = { name: string; instanceIds: InstanceId[]; dailyLimit: string; managesNumbers: boolean };

export const EMPTY_API_KEY_FORM: ApiKeyForm = { name: "", instanceIds: [], dailyLimit: "", managesNumbers: false };

export function validateApiKey(form: ApiKeyForm): string | null {
  const name = form.name.trim();
  if (name === "") return "Name the key after the app that will use it.";
  if ([...name].length > MAX_KEY_NAME) return `Keep the name to ${MAX_KEY_NAME} characters or fewer.`;
  // A key that manages numbers may start with none: it adds its own.
  if (form.instanceIds.length === 0 && !form.managesNumbers) return "Choose at least one number this key may use.";
  const limit = form.dailyLimit.trim().replace(/[.,\s]/g, "");
  if (limit !== "" && (!/^\d+$/.test(limit) || Number(limit) < 1)) {
    return "The daily limit must be a whole number of messages, at least 1. Leave it empty for no limit.";
  }
  return null;
}

export function toNewApiKey(form: ApiKeyForm): NewApiKey {
  const limit = form.dailyLimit.trim().replace(/[.,\s]/g, "");
  return {
    name: form.name.trim(),
    instanceIds: [...form.instanceIds],
    dailyLimit: limit === "" ? null : Number(limit),
    managesNumbers: form.managesNumbers,
  };
}

/** Adds the id to the selection, or takes it out. */
export function toggled<T>(list: readonly T[], item: T, on: boolean): T[] {
  const without = list.filter((value) => value !== item);
  return on ? [...without, item] : without;
}

export type WebhookEvent = "message.status" | "message.received" | "instance.status" | "qr.updated";

export const WEBHOOK_EVENTS: { id: WebhookEvent; label: string; description: string }[] = [
  { id: "message.status", label: "Message status", description: "A message was sent, delivered, read or failed." },
  { id: "message.received", label: "Message received", description: "Someone wrote to one of your numbers." },
  { id: "instance.status", label: "Number status", description: "A number connected, disconnected or was logged out." },
  { id: "qr.updated", label: "New QR code", description: "A number waiting to be linked shows a new QR code." },
];

export function webhookEventLabel(event: string): string {
  return WEBHOOK_EVENTS.find((item) => item.id === event)?.label ?? event;
}

export type WebhookForm = { url: string; events: WebhookEvent[] };

export const EMPTY_WEBHOOK_FORM: WebhookForm = { url: "", events: [] };

export function validateWebhook(form: WebhookForm): string | null {
  const url = form.url.trim();
  if (url === "") return "Enter the address Switchboard should post events to.";
  if (!isHttpUrl(url)) return "The webhook address must start with http:// or https://.";
  if (form.events.length === 0) return "Choose at least one event to send.";
  return null;
}

export function toNewSubscription(form: WebhookForm): NewSubscription {
  // In the order of the list, whatever order they were ticked in.
  const events = WEBHOOK_EVENTS.map((item) => item.id).filter((id) => form.events.includes(id));
  return { url: form.url.trim(), events };
}

/** Who added a subscription: the person in the app, or a local app by its key. */
export function subscriptionCreator(subscription: Pick<Subscription, "keyId">, keys: readonly ApiKey[]): string {
  if (subscription.keyId === null) return "you";
  const key = keys.find((item) => item.id === subscription.keyId);
  return key ? `the key “${key.name}”` : `the key ${subscription.keyId}`;
}

export type DeliveryState = "pending" | "delivered" | "failed";

const DELIVERY_STATE: Record<DeliveryState, { label: string; tone: Tone }> = {
  pending: { label: "Pending", tone: "amber" },
  delivered: { label: "Delivered", tone: "green" },
  failed: { label: "Failed", tone: "red" },
};

export function deliveryStateLabel(state: string): string {
  return DELIVERY_STATE[state as DeliveryState]?.label ?? state;
}

export function deliveryStateTone(state: string): Tone {
  return DELIVERY_STATE[state as DeliveryState]?.tone ?? "gray";
}

/** Pending deliveries are still being tried; the others can be posted again. */
export function canReplay(delivery: Pick<Delivery, "state">): boolean {
  return delivery.state !== "pending";
}

/** The last answer of the receiving server, in words. */
export function deliveryOutcome(delivery: Pick<Delivery, "attempts" | "lastStatus" | "lastError">): string {
  const parts: string[] = [];
  if (delivery.lastStatus !== null) parts.push(`HTTP ${delivery.lastStatus}`);
  if (delivery.lastError) parts.push(delivery.lastError);
  if (parts.length > 0) return parts.join(" · ");
  return delivery.attempts === 0 ? "Not tried yet" : "No answer";
}

/** A message's source, in words: `app`, `campaign` or `api:<key id>`. */
export function messageSourceLabel(source: string, keyNames: ReadonlyMap<string, string>): string | null {
  if (source === "campaign") return "Campaign";
  if (source === "auto-reply") return "Automatic reply";
  if (source === "opt-out") return "Opt-out confirmation";
  if (source === "api" || source.startsWith("api:")) {
    const name = keyNames.get(source.slice(4));
    return name ? `Local API · ${name}` : "Local API";
  }
  return null;
}
