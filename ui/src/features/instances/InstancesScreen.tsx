import { useState } from "react";
import { errorMessage } from "../../api";
import type { InstanceId } from "../../bindings";
import type { ReplyTarget } from "../../compose";
import { Button } from "../../components/Button";
import { PlusIcon } from "../../components/icons";
import { useInstances } from "../../queries";
import { AddInstanceDialog } from "./AddInstanceDialog";
import { InstanceDetail } from "./InstanceDetail";
import { InstanceSidebar } from "./InstanceSidebar";

type Props = {
  selectedId: InstanceId | null;
  onSelect: (id: InstanceId | null) => void;
  /** A message to reply to, chosen in the message log. */
  reply: ReplyTarget | null;
  onReplyDone: () => void;
};

export function InstancesScreen({ selectedId, onSelect, reply, onReplyDone }: Props) {
  const instances = useInstances();
  const [adding, setAdding] = useState(false);
  const list = instances.data ?? [];
  const selected = list.find((instance) => instance.id === selectedId) ?? list[0] ?? null;

  return (
    <>
      <InstanceSidebar
        instances={list}
        loading={instances.isPending}
        error={instances.isError ? errorMessage(instances.error) : null}
        selectedId={selected?.id ?? null}
        onSelect={onSelect}
        onAdd={() => setAdding(true)}
      />
      <section className="min-w-0 flex-1 overflow-y-auto">
        {selected ? (
          <InstanceDetail
            key={selected.id}
            instance={selected}
            onDeleted={() => onSelect(null)}
            reply={reply?.instanceId === selected.id ? reply : null}
            onReplyDone={onReplyDone}
          />
        ) : (
          instances.isSuccess && <NoInstances onAdd={() => setAdding(true)} />
        )}
      </section>
      {adding && (
        <AddInstanceDialog
          onClose={() => setAdding(false)}
          onCreated={(instance) => {
            onSelect(instance.id);
            setAdding(false);
          }}
        />
      )}
    </>
  );
}

function NoInstances({ onAdd }: { onAdd: () => void }) {
  return (
    <div className="flex h-full flex-col items-center justify-center gap-3 p-10 text-center">
      <h2 className="text-lg font-semibold text-slate-900">No WhatsApp numbers yet</h2>
      <p className="max-w-sm text-sm text-slate-500">
        Add an instance to link a WhatsApp number, then send messages and follow their delivery from here.
      </p>
      <Button variant="primary" icon={<PlusIcon />} onClick={onAdd} data-testid="add-instance-empty">
        Add instance
      </Button>
    </div>
  );
}
