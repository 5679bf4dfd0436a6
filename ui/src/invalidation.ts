import { partialMatchKey, type Query, type QueryClient, type QueryKey } from "@tanstack/react-query";
import type {
  CampaignChanged,
  InstanceId,
  InstanceStatusChanged,
  MessageReceived,
  MessageStatusChanged,
  NumbersChecked,
  QrUpdated,
} from "./bindings";
import { queryKeys } from "./queries";

/** Lists and campaign progress follow a campaign closely enough to look live, yet a burst costs a few fetches a second. */
export const PROMPT_WINDOW_MS = 300;
/** Charts and counters need not tick per message. */
export const RELAXED_WINDOW_MS = 2_000;

/** Runs `run` once after `delayMs`; the returned function cancels it. */
export type Scheduler = (run: () => void, delayMs: number) => () => void;

// Looks `setTimeout` up on every call, so fake timers installed after the import still drive it.
const timerScheduler: Scheduler = (run, delayMs) => {
  const timer = setTimeout(run, delayMs);
  return () => clearTimeout(timer);
};

/**
 * Narrows a target to the lists and selections that can show the event's data: a query whose filter
 * (the object after the key's prefix) names another instance or campaign is left alone, while one
 * without that filter (null: "all") is not.
 */
type Scope = { instanceId?: InstanceId; campaignId?: string };

/** Queries an event makes stale, kept as data so that a burst naming the same ones keeps them once. */
type Target = { queryKey: QueryKey; scope?: Scope };

function isInScope(filter: unknown, scope: Scope): boolean {
  // A key without a filter object holds everything.
  if (typeof filter !== "object" || filter === null) return true;
  const fields = filter as Record<string, unknown>;
  return Object.entries(scope).every(([field, value]) => fields[field] == null || fields[field] === value);
}

function matches(target: Target, query: Query): boolean {
  if (!partialMatchKey(query.queryKey, target.queryKey)) return false;
  return !target.scope || isInScope(query.queryKey[target.queryKey.length], target.scope);
}

/** Targets gathered during one window, invalidated together when it closes. */
class Batch {
  readonly #pending = new Map<string, Target>();
  #cancelFlush: (() => void) | null = null;

  constructor(
    private readonly windowMs: number,
    private readonly schedule: Scheduler,
    private readonly flush: (targets: Target[]) => void,
  ) {}

  add(target: Target): void {
    this.#pending.set(JSON.stringify(target), target);
    // The first target opens the window; the rest of the burst joins it rather than pushing it back,
    // so a steady stream still flushes once per window.
    this.#cancelFlush ??= this.schedule(() => this.#flushNow(), this.windowMs);
  }

  #flushNow(): void {
    const targets = [...this.#pending.values()];
    this.#pending.clear();
    this.#cancelFlush = null;
    this.flush(targets);
  }

  dispose(): void {
    this.#cancelFlush?.();
    this.#cancelFlush = null;
    this.#pending.clear();
  }
}

/** Turns backend events into invalidations of only the queries they touch, merged per window. */
export type EventInvalidator = {
  messageStatusChanged(event: MessageStatusChanged): void;
  messageReceived(event: MessageReceived): void;
  instanceStatusChanged(event: InstanceStatusChanged): void;
  qrUpdated(event: QrUpdated): void;
  campaignChanged(event: CampaignChanged): void;
  numbersChecked(event: NumbersChecked): void;
  instancesChanged(): void;
  /** Drops what is pending; events arriving afterwards (listeners unregister asynchronously) are ignored. */
  dispose(): void;
};

export function createEventInvalidator(client: QueryClient, schedule: Scheduler = timerScheduler): EventInvalidator {
  const invalidate = (targets: Target[]) =>
    // One call per flush, so a query matched by several targets is fetched once, not restarted per target.
    // Only observed queries refetch; the rest are marked stale and refetch when next shown.
    void client.invalidateQueries({
      predicate: (query) => targets.some((target) => matches(target, query)),
      refetchType: "active",
    });
  const prompt = new Batch(PROMPT_WINDOW_MS, schedule, invalidate);
  const relaxed = new Batch(RELAXED_WINDOW_MS, schedule, invalidate);
  let disposed = false;

  const soon = (...targets: Target[]) => {
    if (!disposed) for (const target of targets) prompt.add(target);
  };
  const later = (...targets: Target[]) => {
    if (!disposed) for (const target of targets) relaxed.add(target);
  };

  return {
    messageStatusChanged({ instanceId, messageId }) {
      soon(
        { queryKey: queryKeys.messages, scope: { instanceId } },
        { queryKey: queryKeys.campaigns },
        { queryKey: queryKeys.conversations, scope: { instanceId } },
        { queryKey: queryKeys.threads, scope: { instanceId } },
      );
      // A campaign touches thousands of messages and few have their history open; tracking the
      // rest would only grow the batch.
      const history = queryKeys.messageHistory(messageId);
      if (client.getQueryState(history)) soon({ queryKey: history });
      later({ queryKey: queryKeys.stats, scope: { instanceId } }, { queryKey: queryKeys.sendingHealth(instanceId) });
    },
    messageReceived({ instanceId }) {
      soon(
        { queryKey: queryKeys.messages, scope: { instanceId } },
        { queryKey: queryKeys.conversations, scope: { instanceId } },
        { queryKey: queryKeys.threads, scope: { instanceId } },
        { queryKey: queryKeys.unread },
      );
      later({ queryKey: queryKeys.stats, scope: { instanceId } });
    },
    instanceStatusChanged({ instanceId }) {
      soon(
        { queryKey: queryKeys.instances },
        { queryKey: queryKeys.link(instanceId) },
        { queryKey: queryKeys.history(instanceId) },
        { queryKey: queryKeys.sendingHealth(instanceId) },
      );
    },
    qrUpdated({ instanceId }) {
      soon({ queryKey: queryKeys.link(instanceId) });
    },
    campaignChanged({ campaignId }) {
      soon({ queryKey: queryKeys.campaigns }, { queryKey: queryKeys.messages, scope: { campaignId } });
    },
    numbersChecked({ instanceId }) {
      // The key holds the instance as its second part.
      soon({ queryKey: [...queryKeys.presences, instanceId] });
    },
    instancesChanged() {
      soon(
        { queryKey: queryKeys.instances },
        { queryKey: queryKeys.links },
        { queryKey: queryKeys.histories },
        { queryKey: queryKeys.sendingHealths },
      );
    },
    dispose() {
      disposed = true;
      prompt.dispose();
      relaxed.dispose();
    },
  };
}
