import { getCurrentWindow } from "@tauri-apps/api/window";
import { useEffect, useState } from "react";
import type { InstanceId, Message } from "./bindings";
import { replyTargetOf, type ReplyTarget } from "./compose";
import { TopBar, type Tab } from "./components/TopBar";
import { useBackendEvents } from "./events";
import { windowTitle } from "./conversations";
import { ApiScreen } from "./features/api/ApiScreen";
import { ConversationsScreen } from "./features/conversations/ConversationsScreen";
import { CampaignsScreen } from "./features/campaigns/CampaignsScreen";
import { InstancesScreen } from "./features/instances/InstancesScreen";
import { MessagesScreen } from "./features/messages/MessagesScreen";
import { SettingsScreen } from "./features/settings/SettingsScreen";
import { StatsScreen } from "./features/stats/StatsScreen";
import { useInstances, useUnreadTotal, type MessageQuery } from "./queries";

const NO_FILTER: MessageQuery = { instanceId: null, direction: null, status: null, campaignId: null, search: null };

export function App() {
  useBackendEvents();
  // Conversations come first once there is a number; a first start shows where to add one.
  const [chosenTab, setTab] = useState<Tab | null>(null);
  const instances = useInstances();
  const firstTab: Tab | null =
    instances.data === undefined ? null : instances.data.length > 0 ? "conversations" : "instances";
  // Decided once: adding the first number keeps the person where they are.
  useEffect(() => {
    if (chosenTab === null && firstTab !== null) setTab(firstTab);
  }, [chosenTab, firstTab]);
  const tab = chosenTab ?? firstTab;
  const [conversationId, setConversationId] = useState<number | null>(null);
  const unread = useUnreadTotal().data ?? 0;
  useEffect(() => {
    document.title = windowTitle(unread);
    try {
      void getCurrentWindow().setTitle(windowTitle(unread)).catch(() => undefined);
    } catch {
      // Outside the desktop window there is no window title to set.
    }
  }, [unread]);
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
      <TopBar tab={tab ?? "conversations"} onTab={setTab} unread={unread} />
      <main className="flex min-h-0 flex-1">
        {tab === "conversations" && <ConversationsScreen openId={conversationId} onOpen={setConversationId} />}
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
