export type Tab = "conversations" | "instances" | "messages" | "campaigns" | "stats" | "api" | "settings";

const TABS: { id: Tab; label: string }[] = [
  { id: "conversations", label: "Conversations" },
  { id: "instances", label: "Instances" },
  { id: "messages", label: "Messages" },
  { id: "campaigns", label: "Campaigns" },
  { id: "stats", label: "Statistics" },
  { id: "api", label: "API" },
  { id: "settings", label: "Settings" },
];

/** `unread`: messages waiting in conversations, shown on their tab. */
export function TopBar({ tab, onTab, unread = 0 }: { tab: Tab; onTab: (tab: Tab) => void; unread?: number }) {
  return (
    <header className="flex h-14 shrink-0 items-center gap-8 border-b border-slate-200 bg-white px-5">
      <div className="flex items-center gap-2.5">
        <div className="flex size-8 items-center justify-center rounded-lg bg-emerald-600 text-white">
          <svg viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2} className="size-5" aria-hidden="true">
            <path d="M4 7h6m4 0h6M4 17h10m4 0h2M10 4v6m4 4v6" strokeLinecap="round" />
          </svg>
        </div>
        <span className="text-[15px] font-semibold tracking-tight text-slate-900">Switchboard</span>
      </div>
      <nav role="tablist" aria-label="Sections" className="flex h-full items-stretch gap-1">
        {TABS.map(({ id, label }) => {
          const active = id === tab;
          return (
            <button
              key={id}
              type="button"
              role="tab"
              aria-selected={active}
              data-testid={`tab-${id}`}
              onClick={() => onTab(id)}
              className={`relative px-3 text-sm font-medium transition-colors ${
                active ? "text-emerald-700" : "text-slate-500 hover:text-slate-800"
              }`}
            >
              {label}
              {id === "conversations" && unread > 0 && (
                <span
                  data-testid="tab-unread"
                  aria-label={`${unread} unread`}
                  className="ml-1.5 rounded-full bg-emerald-600 px-1.5 text-[11px] leading-4 font-semibold text-white"
                >
                  {unread}
                </span>
              )}
              {active && <span className="absolute inset-x-2 bottom-0 h-0.5 rounded-full bg-emerald-600" />}
            </button>
          );
        })}
      </nav>
    </header>
  );
}
