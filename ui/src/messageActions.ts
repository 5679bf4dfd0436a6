import type { Message, MessageKind } from "./bindings";

const DOWNLOADABLE: MessageKind[] = ["image", "video", "audio", "document"];

/** A failed or withdrawn outbound message can be queued again. */
export function canRetry(message: Message): boolean {
  return message.direction === "outbound" && (message.status === "failed" || message.status === "cancelled");
}

/** A message still waiting in the queue (scheduled, paced or between retries) can be withdrawn. */
export function canCancel(message: Message): boolean {
  return message.direction === "outbound" && message.status === "queued";
}

/** Only a message WhatsApp knows (it has the provider's id) can be quoted in a reply. */
export function canReply(message: Message): boolean {
  return message.providerMessageId !== null && message.providerMessageId !== "";
}

/** Received photos, videos, audio and documents can be saved to this computer. */
export function canDownload(message: Message): boolean {
  return message.direction === "inbound" && DOWNLOADABLE.includes(message.kind) && canReply(message);
}
