import { describe, expect, it } from "vitest";
import type { Message } from "./bindings";
import {
  composerKeyAction,
  dayLabel,
  groupByDay,
  highlight,
  listTime,
  mediaKindForPath,
  moveSelection,
  previewLine,
  quoteOf,
  ticksOf,
  windowTitle,
} from "./conversations";

const NOW = new Date(2026, 11, 3, 15, 0).getTime();
const HOUR = 3_600_000;

function message(fields: Partial<Message>): Message {
  return {
    id: "m",
    seq: 1,
    instanceId: "i",
    direction: "inbound",
    chatJid: "5511900000002@s.whatsapp.net",
    contact: "+5511900000002",
    senderName: null,
    kind: "text",
    body: "Oi",
    status: "received",
    providerMessageId: "p",
    errorCode: null,
    errorMessage: null,
    attempts: 0,
    createdAt: NOW,
    updatedAt: NOW,
    sentAt: null,
    deliveredAt: null,
    readAt: null,
    scheduledAt: null,
    nextAttemptAt: null,
    source: "app",
    campaignId: null,
    mediaPath: null,
    quotedId: null,
    ...fields,
  };
}

describe("conversation times", () => {
  it("shows the time today, yesterday, the weekday this week and the date before", () => {
    expect(listTime(NOW - HOUR, NOW)).toMatch(/\d{1,2}.\d{2}/);
    expect(listTime(NOW - 24 * HOUR, NOW)).toBe("Yesterday");
    expect(listTime(NOW - 3 * 24 * HOUR, NOW)).toBe(new Date(NOW - 3 * 24 * HOUR).toLocaleDateString(undefined, { weekday: "long" }));
    expect(listTime(NOW - 30 * 24 * HOUR, NOW)).not.toMatch(/2026/);
    expect(listTime(new Date(2025, 5, 1).getTime(), NOW)).toMatch(/2025/);
    expect(dayLabel(NOW, NOW)).toBe("Today");
  });

  it("groups bubbles by day, oldest first, same-millisecond ones in log order", () => {
    const groups = groupByDay(
      [
        message({ id: "b", seq: 3, createdAt: NOW }),
        message({ id: "a", seq: 2, createdAt: NOW }),
        message({ id: "old", seq: 1, createdAt: NOW - 48 * HOUR }),
      ],
      NOW,
    );
    expect(groups.map((g) => g.messages.map((m) => m.id))).toEqual([["old"], ["a", "b"]]);
    expect(groups[1]?.label).toBe("Today");
  });
});

describe("bubbles and previews", () => {
  it("draws ticks for outbound messages only, by status", () => {
    expect(ticksOf(message({}))).toBeNull();
    expect(ticksOf(message({ direction: "outbound", status: "queued" }))).toBe("clock");
    expect(ticksOf(message({ direction: "outbound", status: "sent" }))).toBe("sent");
    expect(ticksOf(message({ direction: "outbound", status: "delivered" }))).toBe("delivered");
    expect(ticksOf(message({ direction: "outbound", status: "read" }))).toBe("read");
    expect(ticksOf(message({ direction: "outbound", status: "failed" }))).toBe("failed");
  });

  it("previews the last message, saying when it was ours, and names media", () => {
    expect(previewLine({ lastMessage: message({ direction: "outbound", body: "Olá" }) })).toBe("You: Olá");
    expect(previewLine({ lastMessage: message({ kind: "image", body: null }) })).toBe("Photo");
    expect(previewLine({ lastMessage: null })).toBe("");
  });

  it("highlights every word of a search in any case, taking regex characters literally", () => {
    expect(highlight("O Pedido 1043 chegou", "pedido 104")).toEqual([
      { text: "O ", match: false },
      { text: "Pedido", match: true },
      { text: " ", match: false },
      { text: "104", match: true },
      { text: "3 chegou", match: false },
    ]);
    expect(highlight("a (b) c", "(b)")).toEqual([
      { text: "a ", match: false },
      { text: "(b)", match: true },
      { text: " c", match: false },
    ]);
    expect(highlight("text", null)).toEqual([{ text: "text", match: false }]);
  });
});

describe("keyboard", () => {
  const key = (k: string, mods: Partial<{ shiftKey: boolean; ctrlKey: boolean; metaKey: boolean; isComposing: boolean }> = {}) => ({
    key: k,
    shiftKey: false,
    ctrlKey: false,
    metaKey: false,
    ...mods,
  });

  it("sends on Enter, new line on Shift+Enter, or on Ctrl+Enter when set", () => {
    expect(composerKeyAction(key("Enter"), false)).toBe("send");
    expect(composerKeyAction(key("Enter", { shiftKey: true }), false)).toBeNull();
    expect(composerKeyAction(key("Enter", { isComposing: true }), false)).toBeNull();
    expect(composerKeyAction(key("Enter"), true)).toBeNull();
    expect(composerKeyAction(key("Enter", { ctrlKey: true }), true)).toBe("send");
    expect(composerKeyAction(key("a"), false)).toBeNull();
  });

  it("moves through conversations within the list", () => {
    expect(moveSelection([1, 2, 3], null, 1)).toBe(1);
    expect(moveSelection([1, 2, 3], 1, 1)).toBe(2);
    expect(moveSelection([1, 2, 3], 3, 1)).toBe(3);
    expect(moveSelection([1, 2, 3], 1, -1)).toBe(1);
    expect(moveSelection([], null, 1)).toBeNull();
  });
});

describe("files and the window", () => {
  it("sends photos, videos and audio as such and anything else as a document", () => {
    expect(mediaKindForPath("/home/a/IMG_1.JPG")).toBe("image");
    expect(mediaKindForPath("clip.mp4")).toBe("video");
    expect(mediaKindForPath("voice.opus")).toBe("audio");
    expect(mediaKindForPath("pedido.pdf")).toBe("document");
    expect(mediaKindForPath("README")).toBe("document");
  });

  it("puts the unread count in the title", () => {
    expect(windowTitle(0)).toBe("Switchboard");
    expect(windowTitle(3)).toBe("(3) Switchboard");
  });
});

describe("quoted replies", () => {
  it("shows who wrote the quoted message and its words, or says it is earlier", () => {
    const original = message({ providerMessageId: "P1", senderName: "Maria Souza", body: "Qual o status?" });
    const ours = message({ providerMessageId: "P2", direction: "outbound", body: null, kind: "image" });
    const byId = new Map([
      ["P1", original],
      ["P2", ours],
    ]);
    expect(quoteOf(message({ quotedId: "P1" }), byId)).toEqual({ author: "Maria Souza", text: "Qual o status?" });
    expect(quoteOf(message({ quotedId: "P2" }), byId)).toEqual({ author: "You", text: "Photo" });
    expect(quoteOf(message({ quotedId: "P9" }), byId)?.text).toBe("A message earlier in the chat");
    expect(quoteOf(message({}), byId)).toBeNull();
  });
});
