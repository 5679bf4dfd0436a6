import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { api, errorMessage } from "../../api";
import type { Instance } from "../../bindings";
import { Button } from "../../components/Button";
import { LogoutIcon, RestartIcon, TrashIcon } from "../../components/icons";
import { StatusBadge } from "../../components/StatusBadge";
import { eventPathLabel, formatPhone, providerLabel, wasLinked } from "../../format";
import { useInvalidate } from "../../hooks/useInvalidate";
import { queryKeys } from "../../queries";
import { DeleteInstanceDialog } from "./DeleteInstanceDialog";

type Props = { instance: Instance; onDeleted: () => void };

export function InstanceHeader({ instance, onDeleted }: Props) {
  const invalidate = useInvalidate();
  const [confirming, setConfirming] = useState(false);
  const refresh = () => invalidate(queryKeys.instances, queryKeys.link(instance.id), queryKeys.history(instance.id));

  const restart = useMutation({ mutationFn: () => api.restartInstance(instance.id), onSettled: refresh });
  const logout = useMutation({ mutationFn: () => api.logoutInstance(instance.id), onSettled: refresh });
  const failure = restart.error ?? logout.error;
  const busy = restart.isPending || logout.isPending;

  return (
    <header className="rounded-xl bg-white p-5 shadow-xs ring-1 ring-slate-200">
      <div className="flex flex-wrap items-start justify-between gap-4">
        <div className="min-w-0 space-y-1.5">
          <div className="flex flex-wrap items-center gap-2.5">
            <h1 className="one-line text-xl font-semibold tracking-tight text-slate-900" data-selectable>
              {instance.displayName}
            </h1>
            <StatusBadge status={instance.status} />
          </div>
          <Identity instance={instance} />
          {instance.statusReason && (
            <p data-testid="status-reason" className="text-sm text-slate-600">
              {instance.statusReason}
            </p>
          )}
          <p data-testid="event-path" className="text-xs text-slate-500">
            {eventPathLabel(instance)}
          </p>
        </div>
        <div className="flex shrink-0 gap-2">
          <Button
            icon={<RestartIcon />}
            busy={restart.isPending}
            disabled={busy}
            onClick={() => {
              logout.reset();
              restart.mutate();
            }}
            data-testid="restart-instance"
          >
            Restart
          </Button>
          {instance.linkedDevice && wasLinked(instance) && (
            <Button
              icon={<LogoutIcon />}
              busy={logout.isPending}
              disabled={busy}
              onClick={() => {
                restart.reset();
                logout.mutate();
              }}
              data-testid="logout-instance"
            >
              Log out
            </Button>
          )}
          <Button
            variant="danger-outline"
            icon={<TrashIcon />}
            disabled={busy}
            onClick={() => setConfirming(true)}
            data-testid="delete-instance"
          >
            Delete
          </Button>
        </div>
      </div>
      {failure && (
        <p role="alert" data-testid="action-error" className="mt-3 text-sm text-red-700">
          {errorMessage(failure)}
        </p>
      )}
      {confirming && (
        <DeleteInstanceDialog
          instance={instance}
          onCancel={() => setConfirming(false)}
          onDeleted={() => {
            setConfirming(false);
            onDeleted();
          }}
        />
      )}
    </header>
  );
}

function Identity({ instance }: { instance: Instance }) {
  const server = instance.serverUrl ? ` · ${instance.serverUrl}` : "";
  return (
    <div className="flex flex-wrap items-center gap-x-3 gap-y-1 text-sm text-slate-500">
      {instance.profileName && (
        <span data-testid="profile-name" className="font-medium text-slate-700" data-selectable>
          {instance.profileName}
        </span>
      )}
      {instance.phone && (
        <span data-testid="profile-phone" className="tabular-nums" data-selectable>
          {formatPhone(instance.phone)}
        </span>
      )}
      <span className="text-slate-400">
        {providerLabel(instance.provider)}
        {server}
      </span>
    </div>
  );
}
