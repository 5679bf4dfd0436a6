import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, errorMessage } from "../../api";
import type { ApiKey, InstanceId } from "../../bindings";
import { Button } from "../../components/Button";
import { Card } from "../../components/Card";
import { PlusIcon } from "../../components/icons";
import { Pill } from "../../components/Pill";
import { Spinner } from "../../components/Spinner";
import { formatDateTime, formatTime } from "../../format";
import { dailyLimitLabel, instanceNamesFor, joinNames, keyPrefixLabel } from "../../localApi";
import { queryKeys, useApiKeys, useInstances } from "../../queries";
import { NewApiKeyDialog } from "./NewApiKeyDialog";

export function ApiKeysCard() {
  const keys = useApiKeys();
  const instances = useInstances();
  const [creating, setCreating] = useState(false);
  const names = new Map((instances.data ?? []).map((instance) => [instance.id, instance.displayName]));
  // Keys in use first, newest first; revoked ones after them.
  const list = [...(keys.data ?? [])].sort(
    (a, b) => Number(a.revokedAt !== null) - Number(b.revokedAt !== null) || b.createdAt - a.createdAt,
  );

  return (
    <Card
      title="API keys"
      data-testid="api-keys"
      actions={
        <Button size="sm" variant="primary" icon={<PlusIcon />} onClick={() => setCreating(true)} data-testid="new-api-key">
          New key
        </Button>
      }
    >
      {keys.isPending ? (
        <p className="flex items-center gap-2 text-sm text-slate-500">
          <Spinner className="size-4" /> Loading keys…
        </p>
      ) : keys.isError ? (
        <p role="alert" className="text-sm text-red-700">
          {errorMessage(keys.error)}
        </p>
      ) : list.length === 0 ? (
        <p className="text-sm text-slate-500">
          No keys yet. Create one for each app that should send messages or read the log, and choose which numbers it may
          use.
        </p>
      ) : (
        <ul className="-my-3 divide-y divide-slate-100" data-testid="api-key-list">
          {list.map((key) => (
            <li key={key.id}>
              <ApiKeyRow apiKey={key} instanceNames={names} />
            </li>
          ))}
        </ul>
      )}
      {creating && <NewApiKeyDialog instances={instances.data ?? []} onClose={() => setCreating(false)} />}
    </Card>
  );
}

type RowProps = { apiKey: ApiKey; instanceNames: Map<InstanceId, string> };

function ApiKeyRow({ apiKey, instanceNames }: RowProps) {
  const client = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const revoke = useMutation({
    mutationFn: () => api.revokeApiKey(apiKey.id),
    onSuccess: () => setConfirming(false),
    onSettled: () => client.invalidateQueries({ queryKey: queryKeys.apiKeys }),
  });
  const revoked = apiKey.revokedAt !== null;
  const uses = joinNames(instanceNamesFor(apiKey.instanceIds, instanceNames));

  return (
    <article
      data-testid="api-key-row"
      data-key-id={apiKey.id}
      data-revoked={revoked}
      className={`py-3 ${revoked ? "opacity-70" : ""}`}
    >
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0 space-y-0.5">
          <div className="flex flex-wrap items-center gap-2">
            <h4 className="one-line text-sm font-semibold text-slate-900" data-selectable>
              {apiKey.name}
            </h4>
            <code data-testid="api-key-prefix" className="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs text-slate-600">
              {keyPrefixLabel(apiKey.prefix)}
            </code>
            {revoked && apiKey.revokedAt !== null && (
              <Pill
                data-testid="api-key-revoked"
                tone="gray"
                label={`Revoked ${formatTime(apiKey.revokedAt)}`}
                title={formatDateTime(apiKey.revokedAt)}
              />
            )}
          </div>
          <p className="text-sm text-slate-600" data-testid="api-key-instances">
            May use {uses || "no number"}
            {apiKey.managesNumbers && " · may manage numbers"}
          </p>
          <p className="text-xs text-slate-500">
            {dailyLimitLabel(apiKey.dailyLimit)} ·{" "}
            <span title={formatDateTime(apiKey.createdAt)}>created {formatTime(apiKey.createdAt)}</span> ·{" "}
            {apiKey.lastUsedAt === null ? (
              "never used"
            ) : (
              <span title={formatDateTime(apiKey.lastUsedAt)}>last used {formatTime(apiKey.lastUsedAt)}</span>
            )}
          </p>
        </div>
        {!revoked && !confirming && (
          <Button size="sm" variant="danger-outline" onClick={() => setConfirming(true)} data-testid="api-key-revoke">
            Revoke
          </Button>
        )}
      </div>
      {confirming && (
        <div
          data-testid="api-key-revoke-prompt"
          className="mt-3 flex flex-wrap items-center justify-between gap-3 rounded-md bg-red-50 px-3 py-2 text-sm text-red-800 ring-1 ring-inset ring-red-200"
        >
          <span>Revoke “{apiKey.name}”? Apps using it are refused from now on. This cannot be undone.</span>
          <span className="flex gap-2">
            <Button size="sm" disabled={revoke.isPending} onClick={() => setConfirming(false)}>
              Keep it
            </Button>
            <Button
              size="sm"
              variant="danger"
              busy={revoke.isPending}
              onClick={() => revoke.mutate()}
              data-testid="api-key-revoke-confirm"
            >
              Revoke key
            </Button>
          </span>
        </div>
      )}
      {revoke.isError && (
        <p role="alert" data-testid="action-error" className="mt-2 text-sm text-red-700">
          {errorMessage(revoke.error)}
        </p>
      )}
    </article>
  );
}
