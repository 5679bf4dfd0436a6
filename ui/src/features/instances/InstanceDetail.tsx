import type { Instance } from "../../bindings";
import { needsLinking } from "../../format";
import { Composer } from "../messages/Composer";
import { InstanceHeader } from "./InstanceHeader";
import { LinkCard } from "./LinkCard";
import { StatusHistory } from "./StatusHistory";

type Props = { instance: Instance; onDeleted: () => void };

export function InstanceDetail({ instance, onDeleted }: Props) {
  return (
    <div data-testid="instance-detail" className="mx-auto max-w-4xl space-y-5 p-6">
      <InstanceHeader instance={instance} onDeleted={onDeleted} />
      {needsLinking(instance.status) && <LinkCard instance={instance} />}
      <Composer instance={instance} />
      <StatusHistory instanceId={instance.id} />
    </div>
  );
}
