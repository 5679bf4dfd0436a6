import { describe, expect, it } from "vitest";
import type { ApiKey } from "./bindings";
import {
  apiAddressLabel,
  canReplay,
  dailyLimitLabel,
  deliveryOutcome,
  deliveryStateLabel,
  deliveryStateTone,
  EMPTY_API_KEY_FORM,
  EMPTY_WEBHOOK_FORM,
  instanceNamesFor,
  joinNames,
  keyPrefixLabel,
  messageSourceLabel,
  subscriptionCreator,
  toggled,
  toNewApiKey,
  toNewSubscription,
  validateApiKey,
  validateWebhook,
  webhookEventLabel,
  WEBHOOK_EVENTS,
} from "./localApi";

const key = (id: string, name: string): ApiKey => ({
  id,
  name,
  prefix: "abcd1234",
  instanceIds: [],
  dailyLimit: null,
  managesNumbers: false,
  createdAt: 0,
  lastUsedAt: null,
  revokedAt: null,
});

describe("the API address", () => {
  it("says where the API listens, or that it does not", () => {
    expect(apiAddressLabel("http://127.0.0.1:47800", true)).toBe("Listening on http://127.0.0.1:47800");
    expect(apiAddressLabel("http://127.0.0.1:47800", undefined)).toBe("Listening on http://127.0.0.1:47800");
    expect(apiAddressLabel(null, true)).toBe("Not listening");
    expect(apiAddressLabel("http://127.0.0.1:47800", false)).toBe("Switched off");
  });
});

describe("API keys", () => {
  it("shows a key by the start of its secret", () => {
    expect(keyPrefixLabel("abcd1234")).toBe("sbk_abcd1234…");
    expect(keyPrefixLabel("sbk_abcd1234")).toBe("sbk_abcd1234…");
  });

  it("describes the daily limit", () => {
    expect(dailyLimitLabel(null)).toBe("No daily limit");
    expect(dailyLimitLabel(1)).toBe("At most 1 message a day");
    expect(dailyLimitLabel(500)).toBe("At most 500 messages a day");
  });

  it("names the instances a key may use, in the list's order", () => {
    const names = new Map([
      ["a", "Loja A"],
      ["b", "Loja B"],
      ["c", "Loja C"],
    ]);
    expect(instanceNamesFor(["c", "a"], names)).toEqual(["Loja A", "Loja C"]);
    expect(instanceNamesFor(["a", "gone"], names)).toEqual(["Loja A", "a deleted instance"]);
    expect(instanceNamesFor(["x", "y"], names)).toEqual(["2 deleted instances"]);
    expect(joinNames([])).toBe("");
    expect(joinNames(["Loja A"])).toBe("Loja A");
    expect(joinNames(["Loja A", "Loja B"])).toBe("Loja A and Loja B");
    expect(joinNames(["Loja A", "Loja B", "Loja C"])).toBe("Loja A, Loja B and Loja C");
  });

  it("needs a name and at least one instance", () => {
    const form = { name: "Loja script", instanceIds: ["a"], dailyLimit: "", managesNumbers: false };
    expect(validateApiKey(form)).toBeNull();
    expect(validateApiKey(EMPTY_API_KEY_FORM)).toMatch(/Name the key/);
    expect(validateApiKey({ ...form, name: "x".repeat(61) })).toMatch(/60 characters/);
    expect(validateApiKey({ ...form, instanceIds: [] })).toMatch(/at least one number/);
    expect(validateApiKey({ ...form, instanceIds: [], managesNumbers: true })).toBeNull();
  });

  it("takes an optional whole daily limit", () => {
    const form = { name: "Loja script", instanceIds: ["a"], dailyLimit: "", managesNumbers: false };
    expect(validateApiKey({ ...form, dailyLimit: "1.000" })).toBeNull();
    expect(validateApiKey({ ...form, dailyLimit: "0" })).toMatch(/at least 1/);
    expect(validateApiKey({ ...form, dailyLimit: "lots" })).toMatch(/whole number/);
    expect(toNewApiKey({ ...form, name: " Loja script ", dailyLimit: "" })).toEqual({
      name: "Loja script",
      instanceIds: ["a"],
      dailyLimit: null,
      managesNumbers: false,
    });
    expect(toNewApiKey({ ...form, dailyLimit: " 1,000 " }).dailyLimit).toBe(1000);
  });

  it("toggles a choice in a list", () => {
    expect(toggled(["a"], "b", true)).toEqual(["a", "b"]);
    expect(toggled(["a", "b"], "a", false)).toEqual(["b"]);
    expect(toggled(["a"], "a", true)).toEqual(["a"]);
  });
});

describe("webhooks", () => {
  it("offers exactly the event kinds the backend sends", () => {
    expect(WEBHOOK_EVENTS.map((event) => event.id)).toEqual([
      "message.status",
      "message.received",
      "instance.status",
      "qr.updated",
    ]);
    expect(webhookEventLabel("message.received")).toBe("Message received");
    expect(webhookEventLabel("something.else")).toBe("something.else");
  });

  it("needs an http address and at least one event", () => {
    expect(validateWebhook(EMPTY_WEBHOOK_FORM)).toMatch(/Enter the address/);
    expect(validateWebhook({ url: "example.com/hook", events: ["qr.updated"] })).toMatch(/http:\/\/ or https:\/\//);
    expect(validateWebhook({ url: "https://example.com/hook", events: [] })).toMatch(/at least one event/);
    expect(validateWebhook({ url: "https://example.com/hook", events: ["qr.updated"] })).toBeNull();
  });

  it("sends the events in the list's order", () => {
    expect(toNewSubscription({ url: " https://example.com/hook ", events: ["qr.updated", "message.status"] })).toEqual({
      url: "https://example.com/hook",
      events: ["message.status", "qr.updated"],
    });
  });

  it("says who added a subscription", () => {
    const keys = [key("k1", "Loja script")];
    expect(subscriptionCreator({ keyId: null }, keys)).toBe("you");
    expect(subscriptionCreator({ keyId: "k1" }, keys)).toBe("the key “Loja script”");
    expect(subscriptionCreator({ keyId: "k9" }, keys)).toBe("the key k9");
  });
});

describe("deliveries", () => {
  it("labels and colours each state", () => {
    expect(deliveryStateLabel("pending")).toBe("Pending");
    expect(deliveryStateLabel("delivered")).toBe("Delivered");
    expect(deliveryStateLabel("failed")).toBe("Failed");
    expect(deliveryStateTone("delivered")).toBe("green");
    expect(deliveryStateTone("failed")).toBe("red");
    expect(deliveryStateTone("odd")).toBe("gray");
  });

  it("replays only what is no longer being tried", () => {
    expect(canReplay({ state: "pending" })).toBe(false);
    expect(canReplay({ state: "delivered" })).toBe(true);
    expect(canReplay({ state: "failed" })).toBe(true);
  });

  it("puts the last answer in words", () => {
    expect(deliveryOutcome({ attempts: 0, lastStatus: null, lastError: null })).toBe("Not tried yet");
    expect(deliveryOutcome({ attempts: 1, lastStatus: 200, lastError: null })).toBe("HTTP 200");
    expect(deliveryOutcome({ attempts: 3, lastStatus: 500, lastError: "Internal Server Error" })).toBe(
      "HTTP 500 · Internal Server Error",
    );
    expect(deliveryOutcome({ attempts: 2, lastStatus: null, lastError: "connection refused" })).toBe("connection refused");
    expect(deliveryOutcome({ attempts: 2, lastStatus: null, lastError: null })).toBe("No answer");
  });
});

describe("message sources", () => {
  it("names the app that sent a message", () => {
    const keys = new Map([["k1", "Loja script"]]);
    expect(messageSourceLabel("app", keys)).toBeNull();
    expect(messageSourceLabel("campaign", keys)).toBe("Campaign");
    expect(messageSourceLabel("auto-reply", keys)).toBe("Automatic reply");
    expect(messageSourceLabel("api:k1", keys)).toBe("Local API · Loja script");
    expect(messageSourceLabel("api:k9", keys)).toBe("Local API");
  });
});
