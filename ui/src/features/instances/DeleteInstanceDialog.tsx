import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, errorMessage } from "../../api";
import type { Instance } from "../../bindings";
import { Button } from "../../components/Button";
import { FormError } from "../../components/FormError";
import { Modal, ModalBody, ModalFooter } from "../../components/Modal";
import { useInvalidate } from "../../hooks/useInvalidate";
import { queryKeys } from "../../queries";

type Props = { instance: Instance; onCancel: () => void; onDeleted: () => void };

export function DeleteInstanceDialog({ instance, onCancel, onDeleted }: Props) {
  const client = useQueryClient();
  const invalidate = useInvalidate();
  const remove = useMutation({
    mutationFn: () => api.deleteInstance(instance.id),
    onSuccess: () => {
      client.setQueryData<Instance[]>(queryKeys.instances, (list) => list?.filter((item) => item.id !== instance.id));
      client.removeQueries({ queryKey: queryKeys.link(instance.id) });
      client.removeQueries({ queryKey: queryKeys.history(instance.id) });
      invalidate(queryKeys.instances, queryKeys.messages);
      onDeleted();
    },
  });
  const cancel = () => {
    if (!remove.isPending) onCancel();
  };

  return (
    <Modal title="Delete instance" onClose={cancel} width="sm" testId="delete-dialog">
      <ModalBody>
        <p className="text-sm text-slate-700">
          Delete <span className="font-semibold text-slate-900">{instance.displayName}</span>? This removes it from the
          server and deletes its message log here.
        </p>
        <FormError message={remove.isError ? errorMessage(remove.error) : null} />
      </ModalBody>
      <ModalFooter>
        <Button onClick={cancel} disabled={remove.isPending} data-autofocus>
          Cancel
        </Button>
        <Button variant="danger" busy={remove.isPending} onClick={() => remove.mutate()} data-testid="confirm-delete">
          Delete
        </Button>
      </ModalFooter>
    </Modal>
  );
}
