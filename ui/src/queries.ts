import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { api } from "./api";
import type { Campaign, Direction, InstanceId, Message, MessageStatus } from "./bindings";
import { useDebounced } from "./hooks/useDebounced";

export const MESSAGE_PAGE_SIZE = 100;

export type MessageQuery = {
  instanceId: InstanceId | null;
  direction: Direction | null;
  status: MessageStatus | null;
  campaignId: string | null;
  /** Text searched in the body and the contact; null for none. */
  search: string | null;
};

export type StatsSelection = { instanceId: InstanceId | null; days: number };

export const queryKeys = {
  instances: ["instances"] as const,
  links: ["link"] as const,
  link: (id: InstanceId) => ["link", id] as const,
  histories: ["status-history"] as const,
  history: (id: InstanceId) => ["status-history", id] as const,
  messages: ["messages"] as const,
  messageList: (query: MessageQuery) => ["messages", query] as const,
  groups: (id: InstanceId) => ["groups", id] as const,
  pacing: (id: InstanceId) => ["pacing", id] as const,
  sendingHealths: ["sending-health"] as const,
  sendingHealth: (id: InstanceId) => ["sending-health", id] as const,
  manualWebhook: (id: InstanceId) => ["manual-webhook", id] as const,
  templates: (id: InstanceId) => ["templates", id] as const,
  profile: (id: InstanceId) => ["profile", id] as const,
  campaigns: ["campaigns"] as const,
  stats: ["stats"] as const,
  statsFor: (selection: StatsSelection) => ["stats", selection] as const,
  settings: ["settings"] as const,
  startWithComputer: ["start-with-computer"] as const,
  phoneRegions: ["phone-regions"] as const,
  recipientChecks: ["recipient-check"] as const,
  recipientCheck: (to: string) => ["recipient-check", to] as const,
  presences: ["presence"] as const,
  autoReplies: (id: InstanceId) => ["auto-replies", id] as const,
  presence: (id: InstanceId, to: string) => ["presence", id, to] as const,
  apiAddress: ["api-address"] as const,
  apiKeys: ["api-keys"] as const,
  subscriptions: ["subscriptions"] as const,
  deliveries: ["deliveries"] as const,
  deliveriesFor: (subscriptionId: string) => ["deliveries", subscriptionId] as const,
  messageHistories: ["message-history"] as const,
  messageHistory: (messageId: string) => ["message-history", messageId] as const,
  conversations: ["conversations"] as const,
  conversationList: (query: ConversationQuery) => ["conversations", query] as const,
  threads: ["thread"] as const,
  thread: (conversationId: number, instanceId: InstanceId) => ["thread", { conversationId, instanceId }] as const,
  unread: ["unread"] as const,
  labels: ["labels"] as const,
  contacts: ["contacts"] as const,
  mediaPreview: (messageId: string, side: number) => ["media-preview", messageId, side] as const,
};

export const CONVERSATION_PAGE_SIZE = 50;
export const THREAD_PAGE_SIZE = 50;

/** What the conversation list shows; `instanceId` null is every number. */
export type ConversationQuery = {
  instanceId: InstanceId | null;
  unreadOnly: boolean;
  labelId: number | null;
  /** Part of a contact's name or number. */
  search: string | null;
};

/** The cursor after a page of messages: older than its last one. */
function olderThan(page: Message[], pageSize: number) {
  const last = page[page.length - 1];
  return page.length < pageSize || !last ? undefined : { before: last.createdAt, beforeSeq: last.seq };
}

export function useConversations(query: ConversationQuery) {
  return useInfiniteQuery({
    queryKey: queryKeys.conversationList(query),
    queryFn: ({ pageParam }) =>
      api.listConversations({
        ...query,
        beforeAt: pageParam?.beforeAt ?? null,
        beforeId: pageParam?.beforeId ?? null,
        limit: CONVERSATION_PAGE_SIZE,
      }),
    initialPageParam: null as { beforeAt: number; beforeId: number } | null,
    getNextPageParam: (page) => {
      const last = page[page.length - 1];
      return page.length < CONVERSATION_PAGE_SIZE || !last ? undefined : { beforeAt: last.lastAt, beforeId: last.id };
    },
  });
}

/** A conversation's messages, newest page first; older pages load as the person scrolls up. */
export function useThread(conversationId: number, instanceId: InstanceId) {
  return useInfiniteQuery({
    queryKey: queryKeys.thread(conversationId, instanceId),
    queryFn: ({ pageParam }) =>
      api.conversationMessages(conversationId, {
        before: pageParam?.before ?? null,
        beforeSeq: pageParam?.beforeSeq ?? null,
        limit: THREAD_PAGE_SIZE,
      }),
    initialPageParam: null as { before: number; beforeSeq: number } | null,
    getNextPageParam: (page) => olderThan(page, THREAD_PAGE_SIZE),
  });
}

export function useUnreadTotal() {
  return useQuery({ queryKey: queryKeys.unread, queryFn: api.unreadTotal });
}

export function useLabels() {
  return useQuery({ queryKey: queryKeys.labels, queryFn: api.listLabels });
}

/** An inline preview of a received photo; it is downloaded on first view. */
export function useMediaPreview(messageId: string, side: number, enabled: boolean) {
  return useQuery({
    queryKey: queryKeys.mediaPreview(messageId, side),
    queryFn: () => api.mediaPreview(messageId, side),
    enabled,
    staleTime: Infinity,
    retry: false,
  });
}

export function useInstances() {
  return useQuery({ queryKey: queryKeys.instances, queryFn: api.listInstances });
}

export function useLink(id: InstanceId, enabled: boolean) {
  return useQuery({ queryKey: queryKeys.link(id), queryFn: () => api.getLink(id), enabled });
}

export function useStatusHistory(id: InstanceId, enabled: boolean) {
  return useQuery({ queryKey: queryKeys.history(id), queryFn: () => api.statusHistory(id), enabled });
}

export function useMessages(query: MessageQuery) {
  return useInfiniteQuery({
    queryKey: queryKeys.messageList(query),
    queryFn: ({ pageParam }) =>
      api.listMessages({
        ...query,
        before: pageParam?.before ?? null,
        beforeSeq: pageParam?.beforeSeq ?? null,
        limit: MESSAGE_PAGE_SIZE,
      }),
    initialPageParam: null as { before: number; beforeSeq: number } | null,
    getNextPageParam: (page) => olderThan(page, MESSAGE_PAGE_SIZE),
  });
}

/** The groups of a connected number; failures (e.g. a provider without groups) stay quiet. */
export function useGroups(id: InstanceId, enabled: boolean) {
  return useQuery({ queryKey: queryKeys.groups(id), queryFn: () => api.listGroups(id), enabled, staleTime: 60_000 });
}

export function useProfile(id: InstanceId, enabled: boolean) {
  return useQuery({ queryKey: queryKeys.profile(id), queryFn: () => api.getProfile(id), enabled, retry: false });
}

export function useSendingHealth(id: InstanceId) {
  return useQuery({ queryKey: queryKeys.sendingHealth(id), queryFn: () => api.sendingHealth(id) });
}

export function usePacing(id: InstanceId, enabled: boolean) {
  return useQuery({ queryKey: queryKeys.pacing(id), queryFn: () => api.getPacing(id), enabled });
}

const isActive = (campaign: Campaign) => campaign.state === "running" && campaign.pending > 0;

export function useCampaigns() {
  return useQuery({
    queryKey: queryKeys.campaigns,
    queryFn: api.listCampaigns,
    // Events move the progress; a slow poll covers a missed one while something is still sending.
    refetchInterval: (query) => (query.state.data?.some(isActive) ? 5_000 : false),
  });
}

export function useStatistics(selection: StatsSelection) {
  return useQuery({
    queryKey: queryKeys.statsFor(selection),
    queryFn: () => api.statistics({ instanceId: selection.instanceId, days: selection.days }),
    refetchInterval: 15_000,
  });
}

export function useSettings() {
  return useQuery({ queryKey: queryKeys.settings, queryFn: api.getSettings });
}

/** The countries the engine knows the numbers of; they only change with the app. */
export function usePhoneRegions() {
  return useQuery({ queryKey: queryKeys.phoneRegions, queryFn: api.phoneRegions, staleTime: Infinity });
}

/** Waits this long after the last key before asking the engine about a recipient. */
const RECIPIENT_CHECK_DELAY_MS = 250;

/**
 * The engine's reading of a recipient once typing pauses; `checked` is the text it read, which
 * trails what is typed while typing goes on. A refusal is an answer, so it is not retried.
 */
export function useRecipientCheck(to: string) {
  const checked = useDebounced(to.trim(), RECIPIENT_CHECK_DELAY_MS);
  const check = useQuery({
    queryKey: queryKeys.recipientCheck(checked),
    queryFn: () => api.checkRecipient(checked),
    enabled: checked !== "",
    retry: false,
  });
  return { checked, check };
}

/** How often a check still under way is asked about again (checks leave at the engine's pace). */
const PRESENCE_RECHECK_MS = 3_000;

/** Whether a recipient the engine has read is on WhatsApp, asked through the number it goes from. */
export function usePresence(instanceId: InstanceId, to: string, enabled: boolean) {
  return useQuery({
    queryKey: queryKeys.presence(instanceId, to),
    queryFn: () => api.checkOnWhatsapp(instanceId, to),
    enabled: enabled && to !== "",
    retry: false,
    staleTime: 60_000,
    refetchInterval: (query) => (query.state.data?.presence === "checking" ? PRESENCE_RECHECK_MS : false),
  });
}

/** Where the local API listens; checked often while it is not listening yet (it starts, or moves to a new port). */
export function useApiAddress() {
  return useQuery({
    queryKey: queryKeys.apiAddress,
    queryFn: api.apiAddress,
    refetchInterval: (query) => (query.state.data ? 15_000 : 2_000),
  });
}

/** Keys are used (and webhooks added) by local apps behind the app's back: a slow poll keeps "last used" current. */
export function useApiKeys() {
  return useQuery({ queryKey: queryKeys.apiKeys, queryFn: api.listApiKeys, refetchInterval: 30_000 });
}

export function useSubscriptions() {
  return useQuery({ queryKey: queryKeys.subscriptions, queryFn: api.listSubscriptions, refetchInterval: 30_000 });
}

/** One subscription's deliveries, refreshed every 5 s while they are shown. */
export function useDeliveries(subscriptionId: string, enabled: boolean) {
  return useQuery({
    queryKey: queryKeys.deliveriesFor(subscriptionId),
    queryFn: () => api.listDeliveries(subscriptionId),
    enabled,
    refetchInterval: enabled ? 5_000 : false,
  });
}

export function useMessageHistory(messageId: string, enabled: boolean) {
  return useQuery({ queryKey: queryKeys.messageHistory(messageId), queryFn: () => api.messageHistory(messageId), enabled });
}
