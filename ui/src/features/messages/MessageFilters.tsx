import { useEffect, useRef, useState, type ReactNode } from "react";
import type { Instance } from "../../bindings";
import { inputClass } from "../../components/Field";
import { Select } from "../../components/Select";
import { isDirection, isMessageStatus, MESSAGE_STATUSES, messageStatusLabel } from "../../format";
import type { MessageQuery } from "../../queries";

type Props = { instances: Instance[]; query: MessageQuery; onQuery: (query: MessageQuery) => void };

export function MessageFilters({ instances, query, onQuery }: Props) {
  return (
    <div className="flex flex-wrap items-end gap-3">
      <Filter label="Search">
        <SearchBox value={query.search ?? ""} onSearch={(search) => onQuery({ ...query, search })} />
      </Filter>
      <Filter label="Instance">
        <Select
          data-testid="filter-instance"
          className="w-48"
          value={query.instanceId ?? ""}
          onChange={(event) => onQuery({ ...query, instanceId: event.target.value || null })}
        >
          <option value="">All instances</option>
          {instances.map((instance) => (
            <option key={instance.id} value={instance.id}>
              {instance.displayName}
            </option>
          ))}
        </Select>
      </Filter>
      <Filter label="Direction">
        <Select
          data-testid="filter-direction"
          className="w-32"
          value={query.direction ?? ""}
          onChange={(event) => onQuery({ ...query, direction: isDirection(event.target.value) ? event.target.value : null })}
        >
          <option value="">All</option>
          <option value="outbound">Outbound</option>
          <option value="inbound">Inbound</option>
        </Select>
      </Filter>
      <Filter label="Status">
        <Select
          data-testid="filter-status"
          className="w-32"
          value={query.status ?? ""}
          onChange={(event) => onQuery({ ...query, status: isMessageStatus(event.target.value) ? event.target.value : null })}
        >
          <option value="">All</option>
          {MESSAGE_STATUSES.map((status) => (
            <option key={status} value={status}>
              {messageStatusLabel(status)}
            </option>
          ))}
        </Select>
      </Filter>
    </div>
  );
}

const SEARCH_DELAY_MS = 300;

/** A text box that reports what was typed once typing pauses. */
function SearchBox({ value, onSearch }: { value: string; onSearch: (search: string | null) => void }) {
  const [text, setText] = useState(value);
  const report = useRef(onSearch);
  const reported = useRef(value);

  useEffect(() => {
    report.current = onSearch;
  }, [onSearch]);

  useEffect(() => {
    const search = text.trim();
    if (search === reported.current) return;
    const timer = window.setTimeout(() => {
      reported.current = search;
      report.current(search === "" ? null : search);
    }, SEARCH_DELAY_MS);
    return () => window.clearTimeout(timer);
  }, [text]);

  return (
    <input
      type="search"
      placeholder="Text or number"
      value={text}
      onChange={(event) => setText(event.target.value)}
      data-testid="filter-search"
      className={`${inputClass} w-48 py-1.5`}
      spellCheck={false}
    />
  );
}

function Filter({ label, children }: { label: string; children: ReactNode }) {
  return (
    <label className="flex flex-col gap-1 text-xs font-medium text-slate-500">
      {label}
      {children}
    </label>
  );
}
