import { describe, expect, it } from "vitest";
import type { Message } from "./bindings";
import { canCancel, canDownload, canReply, canRetry } from "./messageActions";

const message = (patch: Partial<Message>): Message =>
  ({
    id: "m1",
    direction: "outbound",
    status: "sent",
    kind: "text",
    providerMessageId: "ABC",
    ...patch,
  }) as Message;

describe("message row actions", () => {
  it("retries failed or cancelled outbound messages", () => {
    expect(canRetry(message({ status: "failed" }))).toBe(true);
    expect(canRetry(message({ status: "cancelled" }))).toBe(true);
    expect(canRetry(message({ status: "sent" }))).toBe(false);
    expect(canRetry(message({ status: "failed", direction: "inbound" }))).toBe(false);
  });

  it("cancels only queued messages", () => {
    expect(canCancel(message({ status: "queued" }))).toBe(true);
    expect(canCancel(message({ status: "sending" }))).toBe(false);
  });

  it("replies to messages WhatsApp knows", () => {
    expect(canReply(message({}))).toBe(true);
    expect(canReply(message({ providerMessageId: null }))).toBe(false);
  });

  it("downloads received media only", () => {
    expect(canDownload(message({ direction: "inbound", status: "received", kind: "image" }))).toBe(true);
    expect(canDownload(message({ direction: "inbound", status: "received", kind: "document" }))).toBe(true);
    expect(canDownload(message({ direction: "inbound", status: "received", kind: "text" }))).toBe(false);
    expect(canDownload(message({ direction: "outbound", kind: "image" }))).toBe(false);
  });
});
