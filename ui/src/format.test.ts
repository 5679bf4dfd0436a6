import { describe, expect, it } from "vitest";
import type { InstanceStatus, MessageStatus } from "./bindings";
import {
  eventPathLabel,
  formatClock,
  formatCountdown,
  formatPairingCode,
  formatPhone,
  formatPreciseTime,
  formatTypedPhone,
  wasLinked,
  instanceStatusLabel,
  instanceStatusTone,
  isMessageStatus,
  messageStatusLabel,
  needsLinking,
  plural,
  queuedNote,
  secondsLeft,
  truncate,
} from "./format";

describe("instance status labels", () => {
  const expected: Record<InstanceStatus, string> = {
    linking: "Waiting for scan",
    connecting: "Connecting",
    connected: "Connected",
    disconnected: "Disconnected",
    logged_out: "Logged out",
    qr_limit_reached: "QR expired",
    unreachable: "Server unreachable",
    missing: "Missing on server",
    suspended: "Suspended by WhatsApp",
    replaced: "Opened elsewhere",
    needs_token: "Needs a new token",
    restricted: "Restricted by WhatsApp",
  };

  it.each(Object.entries(expected))("labels %s as %s", (status, label) => {
    expect(instanceStatusLabel(status as InstanceStatus)).toBe(label);
  });

  it("colours healthy and broken states differently", () => {
    expect(instanceStatusTone("connected")).toBe("green");
    expect(instanceStatusTone("unreachable")).toBe("red");
    expect(instanceStatusTone("linking")).not.toBe(instanceStatusTone("connected"));
  });

  it("asks for linking only while a code is needed", () => {
    expect(needsLinking("linking")).toBe(true);
    expect(needsLinking("qr_limit_reached")).toBe(true);
    expect(needsLinking("logged_out")).toBe(true);
    expect(needsLinking("connected")).toBe(false);
    expect(needsLinking("unreachable")).toBe(false);
  });
});

describe("message status labels", () => {
  const expected: Record<MessageStatus, string> = {
    queued: "Queued",
    sending: "Sending",
    sent: "Sent",
    delivered: "Delivered",
    read: "Read",
    failed: "Failed",
    received: "Received",
    cancelled: "Cancelled",
  };

  it.each(Object.entries(expected))("labels %s as %s", (status, label) => {
    expect(messageStatusLabel(status as MessageStatus)).toBe(label);
  });

  it("recognises raw status values", () => {
    expect(isMessageStatus("delivered")).toBe(true);
    expect(isMessageStatus("")).toBe(false);
    expect(isMessageStatus("DELIVERY_ACK")).toBe(false);
  });
});

describe("QR countdown", () => {
  const now = 1_700_000_000_000;

  it("rounds partial seconds up", () => {
    expect(secondsLeft(now + 16_200, now)).toBe(17);
    expect(formatCountdown(now + 16_200, now)).toBe("New code in 17 s");
  });

  it("never goes below zero", () => {
    expect(secondsLeft(now - 5_000, now)).toBe(0);
    expect(formatCountdown(now - 5_000, now)).toBe("New code any moment");
  });

  it("shows nothing without an expiry", () => {
    expect(formatCountdown(null, now)).toBeNull();
  });
});

describe("pairing codes", () => {
  it("splits eight characters into two groups", () => {
    expect(formatPairingCode("KX4M9TQ2")).toBe("KX4M-9TQ2");
    expect(formatPairingCode("kx4m-9tq2")).toBe("KX4M-9TQ2");
  });

  it("leaves other lengths alone", () => {
    expect(formatPairingCode("ABC123")).toBe("ABC123");
  });
});

describe("text helpers", () => {
  it.each([
    ["+5511987654321", "+55 11 98765 4321"],
    ["5511987654321", "+55 11 98765 4321"],
    ["+551133334444", "+55 11 3333 4444"],
    ["+6281234567890", "+62 812 3456 7890"],
    ["+12025550123", "+1 202 555 0123"],
    ["+442079460958", "+44 20 7946 0958"],
    ["+447911123456", "+44 7911 123456"],
    ["+4930123456", "+49 30 123456"],
    ["+491701234567", "+49 170 1234567"],
  ])("formats %s the international way, grouped as its country does: %s", (stored, shown) => {
    expect(formatPhone(stored)).toBe(shown);
  });

  it("reads a number typed with separators as its digits", () => {
    expect(formatPhone("+55 (11) 98765.4321")).toBe("+55 11 98765 4321");
  });

  it.each(["Maria", "120363025246125486@g.us", "5511987654321@s.whatsapp.net", "12", ""])(
    "leaves %j alone, as it is not a phone number",
    (text) => {
      expect(formatPhone(text)).toBe(text);
    },
  );

  it("groups a number as it is typed, in the default country's way", () => {
    expect(formatTypedPhone("11987654321", "BR")).toBe("(11) 98765-4321");
    expect(formatTypedPhone(" 11 9876 ", "BR")).toBe("(11) 9876");
    expect(formatTypedPhone("081234567890", "ID")).toBe("0812-3456-7890");
    expect(formatTypedPhone("+1 2025550123", "BR")).toBe("+1 202 555 0123");
  });

  it("leaves a local number as typed without a default country", () => {
    expect(formatTypedPhone("11987654321", null)).toBe("11987654321");
    expect(formatTypedPhone("11987654321", "XX")).toBe("11987654321");
  });

  it("truncates long text with an ellipsis", () => {
    expect(truncate("short", 10)).toBe("short");
    expect(truncate("a  line\nbreak", 20)).toBe("a line break");
    expect(truncate("abcdefghijkl", 6)).toBe("abcde…");
  });
});

describe("queued message notes", () => {
  const now = new Date(2025, 2, 10, 12, 0, 0).getTime();
  const queued = { status: "queued" as const, nextAttemptAt: null, scheduledAt: null };

  it("formats a clock time with seconds, 24-hour", () => {
    expect(formatClock(new Date(2025, 2, 10, 9, 5, 7).getTime())).toBe("09:05:07");
    expect(formatClock(new Date(2025, 2, 10, 21, 30, 0).getTime())).toBe("21:30:00");
  });

  it("formats a moment to the second, with the day when it is not today", () => {
    expect(formatPreciseTime(new Date(2025, 2, 10, 9, 5, 7).getTime(), now)).toBe("09:05:07");
    const earlier = formatPreciseTime(new Date(2025, 2, 8, 23, 59, 1).getTime(), now);
    expect(earlier.endsWith(", 23:59:01")).toBe(true);
    expect(earlier).toMatch(/8/);
  });

  it("says when a retry is due", () => {
    const at = new Date(2025, 2, 10, 12, 0, 20).getTime();
    expect(queuedNote({ ...queued, nextAttemptAt: at }, now)).toBe("Retrying at 12:00:20");
  });

  it("says when a scheduled message goes out, only while in the future", () => {
    const later = now + 3_600_000;
    expect(queuedNote({ ...queued, scheduledAt: later }, now)).toMatch(/^Scheduled for /);
    expect(queuedNote({ ...queued, scheduledAt: now - 1000 }, now)).toBeNull();
  });

  it("says nothing for other statuses or plain queued messages", () => {
    expect(queuedNote(queued, now)).toBeNull();
    expect(queuedNote({ status: "sent", nextAttemptAt: now, scheduledAt: now + 1 }, now)).toBeNull();
  });

  it("pluralises counts", () => {
    expect(plural(1, "row")).toBe("1 row");
    expect(plural(2, "row")).toBe("2 rows");
    expect(plural(0, "reply", "replies")).toBe("0 replies");
  });
});

describe("logging out", () => {
  it("is offered only for a number a phone was linked to", () => {
    expect(wasLinked({ phone: null })).toBe(false);
    expect(wasLinked({ phone: "+5511900000001" })).toBe(true);
  });
});

describe("the event path", () => {
  it("says how a number's events arrive", () => {
    expect(eventPathLabel({ eventPath: "direct" })).toMatch(/straight from WhatsApp/);
    expect(eventPathLabel({ eventPath: "webhook" })).toMatch(/by webhook/);
    expect(eventPathLabel({ eventPath: "stream" })).toMatch(/event stream/);
    expect(eventPathLabel({ eventPath: "webhookQuiet" })).toMatch(/No webhook has arrived lately/);
    expect(eventPathLabel({ eventPath: "serverLog" })).toMatch(/cannot call this computer/);
    expect(eventPathLabel({ eventPath: "webhookAwaited" })).toMatch(/only by webhook/);
  });
});
