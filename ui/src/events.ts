import { useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { events } from "./bindings";
import { createEventInvalidator, type EventInvalidator } from "./invalidation";

type Unlisten = () => void;

function subscribe(invalidator: EventInvalidator): Promise<Unlisten>[] {
  return [
    events.instancesChanged.listen(() => invalidator.instancesChanged()),
    events.instanceStatusChanged.listen(({ payload }) => invalidator.instanceStatusChanged(payload)),
    events.qrUpdated.listen(({ payload }) => invalidator.qrUpdated(payload)),
    events.messageStatusChanged.listen(({ payload }) => invalidator.messageStatusChanged(payload)),
    events.messageReceived.listen(({ payload }) => invalidator.messageReceived(payload)),
    events.campaignChanged.listen(({ payload }) => invalidator.campaignChanged(payload)),
    events.numbersChecked.listen(({ payload }) => invalidator.numbersChecked(payload)),
  ];
}

export function useBackendEvents(): void {
  const client = useQueryClient();
  useEffect(() => {
    const invalidator = createEventInvalidator(client);
    const pending = subscribe(invalidator).map((registration) => registration.catch(() => null));
    return () => {
      invalidator.dispose();
      for (const registration of pending) {
        void registration.then((unlisten) => unlisten?.());
      }
    };
  }, [client]);
}
