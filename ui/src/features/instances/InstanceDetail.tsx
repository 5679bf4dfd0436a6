import type { Instance } from "../../bindings";
import type { ReplyTarget } from "../../compose";
import { needsLinking } from "../../format";
import { Composer } from "../messages/Composer";
import { AutoRepliesCard } from "./AutoRepliesCard";
import { InstanceHeader } from "./InstanceHeader";
import { LinkCard } from "./LinkCard";
import { ManualWebhookCard } from "./ManualWebhookCard";
import { PacingCard } from "./PacingCard";
import { ProfileCard } from "./ProfileCard";
import { ReadReceiptsCard } from "./ReadReceiptsCard";
import { SendingHealthCard } from "./SendingHealthCard";
import { StatusHistory } from "./StatusHistory";

type Props = { instance: Instance; onDeleted: () => void; reply: ReplyTarget | null; onReplyDone: () => void };

export function InstanceDetail({ instance, onDeleted, reply, onReplyDone }: Props) {
  return (
    <div data-testid="instance-detail" className="mx-auto max-w-4xl space-y-5 p-6">
      <InstanceHeader instance={instance} onDeleted={onDeleted} />
      {needsLinking(instance.status) && <LinkCard instance={instance} />}
      {instance.provider === "cloud" && <ManualWebhookCard instance={instance} />}
      <Composer instance={instance} reply={reply} onReplyDone={onReplyDone} />
      <SendingHealthCard instanceId={instance.id} />
      <AutoRepliesCard instanceId={instance.id} />
      <PacingCard instanceId={instance.id} />
      <ProfileCard instance={instance} />
      <ReadReceiptsCard instance={instance} />
      <StatusHistory instanceId={instance.id} />
    </div>
  );
}
