import { useMutation } from "@tanstack/react-query";
import { save } from "@tauri-apps/plugin-dialog";
import { api, errorMessage } from "../../api";
import type { Message } from "../../bindings";
import { Button } from "../../components/Button";
import { Spinner } from "../../components/Spinner";
import { plural } from "../../format";
import { useApiKeys, useCampaigns, useInstances, useMessages, type MessageQuery } from "../../queries";
import { MessageFilters } from "./MessageFilters";
import { MessageTable } from "./MessageTable";

type Props = { query: MessageQuery; onQuery: (query: MessageQuery) => void; onReply: (message: Message) => void };

export function MessagesScreen({ query, onQuery, onReply }: Props) {
  const instances = useInstances();
  const messages = useMessages(query);
  const rows = messages.data?.pages.flat() ?? [];
  const names = new Map((instances.data ?? []).map((instance) => [instance.id, instance.displayName]));
  const keys = useApiKeys();
  const keyNames = new Map((keys.data ?? []).map((key) => [key.id, key.name]));
  const exportLog = useMutation({
    mutationFn: async () => {
      const path = await save({ defaultPath: "messages.csv", filters: [{ name: "CSV", extensions: ["csv"] }] });
      return path ? { path, rows: await api.saveLog({ ...query, before: null, beforeSeq: null, limit: null }, path) } : null;
    },
  });

  return (
    <section className="flex min-w-0 flex-1 flex-col">
      <div className="flex flex-wrap items-end justify-between gap-4 border-b border-slate-200 bg-white px-6 py-4">
        <div>
          <h1 className="text-lg font-semibold text-slate-900">Message log</h1>
          <p className="text-sm text-slate-500">Everything sent and received by your numbers, newest first.</p>
        </div>
        <div className="flex items-end gap-2">
          <MessageFilters instances={instances.data ?? []} query={query} onQuery={onQuery} />
          <Button busy={exportLog.isPending} onClick={() => exportLog.mutate()} data-testid="log-export" title="Save the messages these filters show as a CSV file">
            Export CSV…
          </Button>
        </div>
      </div>
      {(exportLog.data || exportLog.isError) && (
        <p className={`border-b border-slate-200 px-6 py-2 text-sm ${exportLog.isError ? "text-red-700" : "text-slate-600"}`} role={exportLog.isError ? "alert" : undefined}>
          {exportLog.isError
            ? errorMessage(exportLog.error)
            : exportLog.data && `${plural(exportLog.data.rows, "message")} saved to ${exportLog.data.path}.`}
        </p>
      )}
      {query.campaignId && (
        <CampaignFilter campaignId={query.campaignId} onClear={() => onQuery({ ...query, campaignId: null })} />
      )}
      <div className="min-h-0 flex-1 overflow-auto px-6 py-4">
        {messages.isPending ? (
          <p className="flex items-center gap-2 text-sm text-slate-500">
            <Spinner className="size-4" /> Loading messages…
          </p>
        ) : messages.isError ? (
          <p role="alert" className="text-sm text-red-700">
            {errorMessage(messages.error)}
          </p>
        ) : (
          <>
            <MessageTable messages={rows} instanceNames={names} keyNames={keyNames} onReply={onReply} />
            {messages.hasNextPage && (
              <div className="mt-4 flex justify-center">
                <Button busy={messages.isFetchingNextPage} onClick={() => void messages.fetchNextPage()}>
                  Show older messages
                </Button>
              </div>
            )}
          </>
        )}
      </div>
    </section>
  );
}

function CampaignFilter({ campaignId, onClear }: { campaignId: string; onClear: () => void }) {
  const campaigns = useCampaigns();
  const name = campaigns.data?.find((campaign) => campaign.id === campaignId)?.name;
  return (
    <div className="flex items-center gap-2 border-b border-slate-200 bg-slate-50 px-6 py-2 text-sm text-slate-600">
      <span data-testid="filter-campaign">
        Only the messages of the campaign <span className="font-medium text-slate-900">{name ?? "…"}</span>
      </span>
      <Button size="sm" variant="ghost" onClick={onClear} data-testid="filter-campaign-clear">
        Show all messages
      </Button>
    </div>
  );
}
