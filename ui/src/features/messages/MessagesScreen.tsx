import { errorMessage } from "../../api";
import { Button } from "../../components/Button";
import { Spinner } from "../../components/Spinner";
import { useInstances, useMessages, type MessageQuery } from "../../queries";
import { MessageFilters } from "./MessageFilters";
import { MessageTable } from "./MessageTable";

type Props = { query: MessageQuery; onQuery: (query: MessageQuery) => void };

export function MessagesScreen({ query, onQuery }: Props) {
  const instances = useInstances();
  const messages = useMessages(query);
  const rows = messages.data?.pages.flat() ?? [];
  const names = new Map((instances.data ?? []).map((instance) => [instance.id, instance.displayName]));

  return (
    <section className="flex min-w-0 flex-1 flex-col">
      <div className="flex flex-wrap items-end justify-between gap-4 border-b border-slate-200 bg-white px-6 py-4">
        <div>
          <h1 className="text-lg font-semibold text-slate-900">Message log</h1>
          <p className="text-sm text-slate-500">Everything sent and received by your numbers, newest first.</p>
        </div>
        <MessageFilters instances={instances.data ?? []} query={query} onQuery={onQuery} />
      </div>
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
            <MessageTable messages={rows} instanceNames={names} />
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
