import { useState } from "react";
import type { InstanceId, Message } from "./bindings";
import { replyTargetOf, type ReplyTarget } from "./compose";
import { TopBar, type Tab } from "./components/TopBar";
import { useBackendEvents } from "./events";
import { ApiScreen } from "./features/api/ApiScreen";
import { CampaignsScreen } from "./features/campaigns/CampaignsScreen";
import { InstancesScreen } from "./features/instances/InstancesScreen";
import { MessagesScreen } from "./features/messages/MessagesScreen";
import { SettingsScreen } from "./features/settings/SettingsScreen";
import { StatsScreen } from "./features/stats/StatsScreen";
import type { MessageQuery } from "./queries";

const NO_FILTER: MessageQuery = { instanceId: null, direction: null, status: null, campaignId: null, search: null };

export function App() {
  useBackendEvents();
  const [tab, setTab] = useState<Tab>("instances");
  const [selectedId, setSelectedId] = useState<InstanceId | null>(null);
  const [messageQuery, setMessageQuery] = useState<MessageQuery>(NO_FILTER);
  const [reply, setReply] = useState<ReplyTarget | null>(null);

  const replyTo = (message: Message) => {
    const target = replyTargetOf(message);
    if (!target) return;
    setReply(target);
    setSelectedId(target.instanceId);
    setTab("instances");
  };

  const showCampaignMessages = (campaignId: string) => {
    setMessageQuery({ ...NO_FILTER, campaignId });
    setTab("messages");
  };

  return (
    <div className="flex h-full flex-col">
      <TopBar tab={tab} onTab={setTab} />
      <main className="flex min-h-0 flex-1">
        {tab === "instances" && (
          <InstancesScreen
            selectedId={selectedId}
            onSelect={setSelectedId}
            reply={reply}
            onReplyDone={() => setReply(null)}
          />
        )}
        {tab === "messages" && <MessagesScreen query={messageQuery} onQuery={setMessageQuery} onReply={replyTo} />}
        {tab === "campaigns" && <CampaignsScreen onShowMessages={showCampaignMessages} />}
        {tab === "stats" && <StatsScreen />}
        {tab === "api" && <ApiScreen onOpenSettings={() => setTab("settings")} />}
        {tab === "settings" && <SettingsScreen />}
      </main>
    </div>
  );
}
