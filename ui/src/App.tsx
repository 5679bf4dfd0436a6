import { useState } from "react";
import type { InstanceId } from "./bindings";
import { TopBar, type Tab } from "./components/TopBar";
import { useBackendEvents } from "./events";
import { InstancesScreen } from "./features/instances/InstancesScreen";
import { MessagesScreen } from "./features/messages/MessagesScreen";
import { SettingsScreen } from "./features/settings/SettingsScreen";
import type { MessageQuery } from "./queries";

const NO_FILTER: MessageQuery = { instanceId: null, direction: null, status: null };

export function App() {
  useBackendEvents();
  const [tab, setTab] = useState<Tab>("instances");
  const [selectedId, setSelectedId] = useState<InstanceId | null>(null);
  const [messageQuery, setMessageQuery] = useState<MessageQuery>(NO_FILTER);

  return (
    <div className="flex h-full flex-col">
      <TopBar tab={tab} onTab={setTab} />
      <main className="flex min-h-0 flex-1">
        {tab === "instances" && <InstancesScreen selectedId={selectedId} onSelect={setSelectedId} />}
        {tab === "messages" && <MessagesScreen query={messageQuery} onQuery={setMessageQuery} />}
        {tab === "settings" && <SettingsScreen />}
      </main>
    </div>
  );
}
