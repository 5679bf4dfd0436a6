import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { api } from "./api";
import type { Direction, InstanceId, MessageStatus } from "./bindings";

export const MESSAGE_PAGE_SIZE = 100;

export type MessageQuery = {
  instanceId: InstanceId | null;
  direction: Direction | null;
  status: MessageStatus | null;
};

export const queryKeys = {
  instances: ["instances"] as const,
  links: ["link"] as const,
  link: (id: InstanceId) => ["link", id] as const,
  histories: ["status-history"] as const,
  history: (id: InstanceId) => ["status-history", id] as const,
  messages: ["messages"] as const,
  messageList: (query: MessageQuery) => ["messages", query] as const,
  settings: ["settings"] as const,
};

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
    queryFn: ({ pageParam }) => api.listMessages({ ...query, before: pageParam, limit: MESSAGE_PAGE_SIZE }),
    initialPageParam: null as number | null,
    getNextPageParam: (page) =>
      page.length < MESSAGE_PAGE_SIZE ? undefined : (page[page.length - 1]?.createdAt ?? undefined),
  });
}

export function useSettings() {
  return useQuery({ queryKey: queryKeys.settings, queryFn: api.getSettings });
}
