import type { InstanceStatus } from "../bindings";
import { instanceStatusLabel, instanceStatusTone } from "../format";
import { Pill } from "./Pill";

export function StatusBadge({ status }: { status: InstanceStatus }) {
  return (
    <Pill
      data-testid="status-badge"
      data-status={status}
      tone={instanceStatusTone(status)}
      label={instanceStatusLabel(status)}
    />
  );
}
