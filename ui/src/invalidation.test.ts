import { QueryClient, QueryObserver, type QueryKey } from "@tanstack/react-query";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { MessageStatus } from "./bindings";
import { createEventInvalidator, PROMPT_WINDOW_MS, RELAXED_WINDOW_MS, type Scheduler } from "./invalidation";
import { queryKeys, type MessageQuery } from "./queries";

const allMessages: MessageQuery = { instanceId: null, direction: null, status: null, campaignId: null, search: null };
const messagesOf = (instanceId: string): MessageQuery => ({ ...allMessages, instanceId });
const messagesOfCampaign = (campaignId: string): MessageQuery => ({ ...allMessages, campaignId });

/** A query kept active as a mounted component would, counting how often (and when) it is fetched. */
function observe(client: QueryClient, queryKey: QueryKey) {
  const fetchedAt: number[] = [];
  const observer = new QueryObserver(client, {
    queryKey,
    queryFn: async () => {
      fetchedAt.push(Date.now());
      return fetchedAt.length;
    },
  });
  const unsubscribe = observer.subscribe(() => {});
  return {
    /** Fetches after the one made on mounting. */
    refetches: () => fetchedAt.length - 1,
    lastFetchedAt: () => fetchedAt[fetchedAt.length - 1] ?? -1,
    unsubscribe,
  };
}

/** Lets the fetches started so far (and any timers due) settle. */
const settle = (ms = 0) => vi.advanceTimersByTimeAsync(ms);

let client: QueryClient;

beforeEach(() => {
  vi.useFakeTimers();
  client = new QueryClient({ defaultOptions: { queries: { retry: false, gcTime: Infinity } } });
});

afterEach(() => {
  client.clear();
  vi.useRealTimers();
});

describe("a burst of message status changes", () => {
  it("refetches each shown query a few times, and once more after the burst", async () => {
    const invalidator = createEventInvalidator(client);
    const all = observe(client, queryKeys.messageList(allMessages));
    const ofA = observe(client, queryKeys.messageList(messagesOf("a")));
    const ofOther = observe(client, queryKeys.messageList(messagesOf("other")));
    const campaigns = observe(client, queryKeys.campaigns);
    const stats = observe(client, queryKeys.statsFor({ instanceId: null, days: 7 }));
    const statsOfOther = observe(client, queryKeys.statsFor({ instanceId: "other", days: 7 }));
    const instances = observe(client, queryKeys.instances);
    const openHistory = observe(client, queryKeys.messageHistory("m-500"));
    await settle();

    const statuses: MessageStatus[] = ["sending", "sent", "delivered", "read"];
    const burstMs = 2_000;
    const events = 1_000;
    let lastEventAt = 0;
    for (let i = 0; i < events; i++) {
      invalidator.messageStatusChanged({ instanceId: "a", messageId: `m-${i}`, status: statuses[i % statuses.length]! });
      lastEventAt = Date.now();
      await settle(burstMs / events);
    }
    await settle(RELAXED_WINDOW_MS);

    for (const list of [all, ofA, campaigns]) {
      expect(list.refetches()).toBeGreaterThanOrEqual(1);
      expect(list.refetches()).toBeLessThanOrEqual(10);
      // The last flush comes after the last event, so its state is on screen.
      expect(list.lastFetchedAt()).toBeGreaterThan(lastEventAt);
    }
    expect(stats.refetches()).toBeGreaterThanOrEqual(1);
    expect(stats.refetches()).toBeLessThanOrEqual(2);
    expect(stats.lastFetchedAt()).toBeGreaterThan(lastEventAt);
    expect(openHistory.refetches()).toBe(1);

    expect(ofOther.refetches()).toBe(0);
    expect(statsOfOther.refetches()).toBe(0);
    expect(instances.refetches()).toBe(0);
    invalidator.dispose();
  });
});

describe("targeted invalidation", () => {
  it("leaves a message list filtered to another instance alone", async () => {
    const invalidator = createEventInvalidator(client);
    const ofOther = observe(client, queryKeys.messageList(messagesOf("other")));
    const ofA = observe(client, queryKeys.messageList(messagesOf("a")));
    await settle();

    invalidator.messageStatusChanged({ instanceId: "a", messageId: "m-1", status: "delivered" });
    invalidator.messageReceived({ instanceId: "a", messageId: "m-2", conversationId: 7, from: "+491701234567", preview: "hi" });
    await settle(RELAXED_WINDOW_MS);

    expect(ofA.refetches()).toBe(1);
    expect(ofOther.refetches()).toBe(0);
    expect(client.getQueryState(queryKeys.messageList(messagesOf("other")))?.isInvalidated).toBe(false);
  });

  it("marks a hidden list stale without fetching it", async () => {
    const invalidator = createEventInvalidator(client);
    const hidden = observe(client, queryKeys.messageList(allMessages));
    await settle();
    hidden.unsubscribe();

    invalidator.messageStatusChanged({ instanceId: "a", messageId: "m-1", status: "sent" });
    await settle(PROMPT_WINDOW_MS);

    expect(hidden.refetches()).toBe(0);
    expect(client.getQueryState(queryKeys.messageList(allMessages))?.isInvalidated).toBe(true);
  });

  it("refreshes the lists of a changed campaign, not those of another", async () => {
    const invalidator = createEventInvalidator(client);
    const ofCampaign = observe(client, queryKeys.messageList(messagesOfCampaign("c-1")));
    const ofOtherCampaign = observe(client, queryKeys.messageList(messagesOfCampaign("c-2")));
    const campaigns = observe(client, queryKeys.campaigns);
    await settle();

    invalidator.campaignChanged({ campaignId: "c-1" });
    await settle(PROMPT_WINDOW_MS);

    expect(ofCampaign.refetches()).toBe(1);
    expect(campaigns.refetches()).toBe(1);
    expect(ofOtherCampaign.refetches()).toBe(0);
  });

  it("refreshes only the link of the instance whose QR changed", async () => {
    const invalidator = createEventInvalidator(client);
    const linkA = observe(client, queryKeys.link("a"));
    const linkB = observe(client, queryKeys.link("b"));
    await settle();

    invalidator.qrUpdated({ instanceId: "a" });
    await settle(PROMPT_WINDOW_MS);
    expect([linkA.refetches(), linkB.refetches()]).toEqual([1, 0]);

    invalidator.instancesChanged();
    await settle(PROMPT_WINDOW_MS);
    expect([linkA.refetches(), linkB.refetches()]).toEqual([2, 1]);
  });

  it("asks again whether numbers are on WhatsApp only through the number that checked them", async () => {
    const invalidator = createEventInvalidator(client);
    const throughA = observe(client, queryKeys.presence("a", "+5511900000002"));
    const throughB = observe(client, queryKeys.presence("b", "+5511900000002"));
    await settle();

    invalidator.numbersChecked({ instanceId: "a" });
    await settle(PROMPT_WINDOW_MS);
    expect([throughA.refetches(), throughB.refetches()]).toEqual([1, 0]);
  });

  it("refreshes the instances, the link and the history of an instance whose status changed", async () => {
    const invalidator = createEventInvalidator(client);
    const instances = observe(client, queryKeys.instances);
    const link = observe(client, queryKeys.link("a"));
    const history = observe(client, queryKeys.history("a"));
    const otherHistory = observe(client, queryKeys.history("b"));
    await settle();

    invalidator.instanceStatusChanged({ instanceId: "a", status: "connected", needsAttention: false });
    await settle(PROMPT_WINDOW_MS);

    expect([instances.refetches(), link.refetches(), history.refetches()]).toEqual([1, 1, 1]);
    expect(otherHistory.refetches()).toBe(0);
  });
});

describe("timing", () => {
  it("refetches after a single event within one window", async () => {
    const invalidator = createEventInvalidator(client);
    const list = observe(client, queryKeys.messageList(allMessages));
    const stats = observe(client, queryKeys.statsFor({ instanceId: null, days: 7 }));
    await settle();

    invalidator.messageStatusChanged({ instanceId: "a", messageId: "m-1", status: "read" });
    await settle(PROMPT_WINDOW_MS - 1);
    expect(list.refetches()).toBe(0);
    await settle(1);
    expect(list.refetches()).toBe(1);

    await settle(RELAXED_WINDOW_MS - PROMPT_WINDOW_MS);
    expect(stats.refetches()).toBe(1);
  });

  it("drops what is pending once disposed, and ignores later events", () => {
    const scheduled: { delayMs: number; cancelled: boolean }[] = [];
    const recordingScheduler: Scheduler = (_run, delayMs) => {
      const entry = { delayMs, cancelled: false };
      scheduled.push(entry);
      return () => {
        entry.cancelled = true;
      };
    };
    const invalidator = createEventInvalidator(client, recordingScheduler);

    invalidator.messageStatusChanged({ instanceId: "a", messageId: "m-1", status: "sent" });
    invalidator.messageStatusChanged({ instanceId: "a", messageId: "m-2", status: "sent" });
    // One flush per window for the whole burst.
    expect(scheduled).toEqual([
      { delayMs: PROMPT_WINDOW_MS, cancelled: false },
      { delayMs: RELAXED_WINDOW_MS, cancelled: false },
    ]);

    invalidator.dispose();
    invalidator.messageStatusChanged({ instanceId: "a", messageId: "m-3", status: "sent" });
    expect(scheduled).toEqual([
      { delayMs: PROMPT_WINDOW_MS, cancelled: true },
      { delayMs: RELAXED_WINDOW_MS, cancelled: true },
    ]);
  });
});
