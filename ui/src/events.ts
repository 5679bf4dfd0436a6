import { useQueryClient, type QueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { events } from "./bindings";
import { queryKeys } from "./queries";

type Unlisten = () => void;

function subscribe(client: QueryClient): Promise<Unlisten>[] {
  const invalidate = (queryKey: readonly unknown[]) => client.invalidateQueries({ queryKey });
  return [
    events.instancesChanged.listen(() => {
      void invalidate(queryKeys.instances);
      void invalidate(queryKeys.links);
      void invalidate(queryKeys.histories);
    }),
    events.instanceStatusChanged.listen(({ payload }) => {
      void invalidate(queryKeys.instances);
      void invalidate(queryKeys.link(payload.instanceId));
      void invalidate(queryKeys.history(payload.instanceId));
    }),
    events.qrUpdated.listen(({ payload }) => {
      void invalidate(queryKeys.link(payload.instanceId));
    }),
    events.messageStatusChanged.listen(({ payload }) => {
      void invalidate(queryKeys.messages);
      void invalidate(queryKeys.messageHistory(payload.messageId));
      // Campaign progress and the daily counts move with their messages.
      void invalidate(queryKeys.campaigns);
      void invalidate(queryKeys.stats);
    }),
    events.messageReceived.listen(() => {
      void invalidate(queryKeys.messages);
      void invalidate(queryKeys.stats);
    }),
    events.campaignChanged.listen(() => {
      void invalidate(queryKeys.campaigns);
      void invalidate(queryKeys.messages);
    }),
  ];
}

export function useBackendEvents(): void {
  const client = useQueryClient();
  useEffect(() => {
    const pending = subscribe(client).map((registration) => registration.catch(() => null));
    return () => {
      for (const registration of pending) {
        void registration.then((unlisten) => unlisten?.());
      }
    };
  }, [client]);
}
