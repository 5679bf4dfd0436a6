import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, errorMessage } from "../../api";
import type { Campaign, CampaignState } from "../../bindings";
import { Button } from "../../components/Button";
import { Pill } from "../../components/Pill";
import {
  campaignActions,
  campaignPhase,
  campaignPhaseLabel,
  campaignPhaseTone,
  campaignProgress,
} from "../../campaigns";
import { formatDateTime, formatTime } from "../../format";
import { useInvalidate } from "../../hooks/useInvalidate";
import { queryKeys } from "../../queries";

type Props = { campaign: Campaign; instanceName: string | undefined; now: number; onShowMessages: () => void };

export function CampaignRow({ campaign, instanceName, now, onShowMessages }: Props) {
  const client = useQueryClient();
  const invalidate = useInvalidate();
  const [confirmingCancel, setConfirmingCancel] = useState(false);
  const change = useMutation({
    mutationFn: (state: CampaignState) => api.setCampaignState(campaign.id, state),
    onSuccess: (next) => {
      client.setQueryData<Campaign[]>(queryKeys.campaigns, (list) =>
        list?.map((item) => (item.id === next.id ? next : item)),
      );
      setConfirmingCancel(false);
    },
    onSettled: () => invalidate(queryKeys.campaigns, queryKeys.messages),
  });

  const phase = campaignPhase(campaign, now);
  const progress = campaignProgress(campaign);
  const actions = campaignActions(campaign);
  const pending = change.isPending ? change.variables : null;

  return (
    <article
      data-testid="campaign-row"
      data-state={campaign.state}
      data-phase={phase}
      data-campaign-id={campaign.id}
      className="rounded-xl bg-white p-5 shadow-xs ring-1 ring-slate-200"
    >
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0 space-y-0.5">
          <div className="flex flex-wrap items-center gap-2.5">
            <h2 className="one-line text-base font-semibold text-slate-900" data-selectable>
              {campaign.name}
            </h2>
            <Pill data-testid="campaign-state" tone={campaignPhaseTone(phase)} label={campaignPhaseLabel(phase)} />
          </div>
          <p className="text-sm text-slate-500">
            From {instanceName ?? "an unknown instance"} ·{" "}
            <span title={formatDateTime(campaign.createdAt)}>created {formatTime(campaign.createdAt, now)}</span>
            {campaign.scheduledAt !== null && (
              <>
                {" · "}
                <span title={formatDateTime(campaign.scheduledAt)}>
                  {campaign.scheduledAt > now ? "starts" : "started"} {formatTime(campaign.scheduledAt, now)}
                </span>
              </>
            )}
          </p>
        </div>
        <div className="flex shrink-0 flex-wrap gap-2">
          {actions.pause && (
            <Button
              size="sm"
              busy={pending === "paused"}
              disabled={change.isPending}
              onClick={() => change.mutate("paused")}
              data-testid="campaign-pause"
            >
              Pause
            </Button>
          )}
          {actions.resume && (
            <Button
              size="sm"
              variant="primary"
              busy={pending === "running"}
              disabled={change.isPending}
              onClick={() => change.mutate("running")}
              data-testid="campaign-resume"
            >
              Resume
            </Button>
          )}
          {actions.cancel && !confirmingCancel && (
            <Button
              size="sm"
              variant="danger-outline"
              disabled={change.isPending}
              onClick={() => setConfirmingCancel(true)}
              data-testid="campaign-cancel"
            >
              Cancel
            </Button>
          )}
          <Button size="sm" variant="ghost" onClick={onShowMessages} data-testid="campaign-messages">
            Messages
          </Button>
        </div>
      </div>

      <div className="mt-4 space-y-2">
        <div className="flex items-center gap-3">
          <ProgressBar campaign={campaign} />
          <span data-testid="campaign-progress" className="shrink-0 text-sm font-medium tabular-nums text-slate-700">
            {`${progress.done} / ${progress.total}`}
          </span>
        </div>
        <dl data-testid="campaign-counts" className="flex flex-wrap gap-x-5 gap-y-1 text-xs text-slate-500">
          <Count label="Sent" value={campaign.sent} />
          <Count label="Delivered" value={campaign.delivered} />
          <Count label="Read" value={campaign.read} />
          <Count label="Failed" value={campaign.failed} tone={campaign.failed > 0 ? "text-red-700" : undefined} />
          <Count label="Pending" value={campaign.pending} />
          {campaign.cancelled > 0 && <Count label="Cancelled" value={campaign.cancelled} />}
        </dl>
      </div>

      {confirmingCancel && (
        <div
          data-testid="campaign-cancel-prompt"
          className="mt-4 flex flex-wrap items-center justify-between gap-3 rounded-md bg-red-50 px-3 py-2 text-sm text-red-800 ring-1 ring-inset ring-red-200"
        >
          <span>
            Cancel “{campaign.name}”? Its {campaign.pending.toLocaleString()} waiting messages will not be sent. This cannot
            be undone.
          </span>
          <span className="flex gap-2">
            <Button size="sm" disabled={change.isPending} onClick={() => setConfirmingCancel(false)}>
              Keep it
            </Button>
            <Button
              size="sm"
              variant="danger"
              busy={pending === "cancelled"}
              onClick={() => change.mutate("cancelled")}
              data-testid="campaign-cancel-confirm"
            >
              Cancel campaign
            </Button>
          </span>
        </div>
      )}
      {change.isError && (
        <p role="alert" data-testid="campaign-error" className="mt-3 text-sm text-red-700">
          {errorMessage(change.error)}
        </p>
      )}
    </article>
  );
}

function ProgressBar({ campaign }: { campaign: Campaign }) {
  const share = (count: number) => (campaign.total === 0 ? 0 : (count / campaign.total) * 100);
  const { percent } = campaignProgress(campaign);
  return (
    <div
      role="progressbar"
      aria-label="Messages handled"
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={percent}
      className="flex h-2.5 min-w-0 flex-1 overflow-clip rounded-full bg-slate-100"
    >
      <div className="h-full bg-emerald-500 transition-[width]" style={{ width: `${share(campaign.sent)}%` }} />
      <div className="h-full bg-red-500 transition-[width]" style={{ width: `${share(campaign.failed)}%` }} />
      <div className="h-full bg-slate-400 transition-[width]" style={{ width: `${share(campaign.cancelled)}%` }} />
    </div>
  );
}

function Count({ label, value, tone }: { label: string; value: number; tone?: string }) {
  return (
    <div className="flex gap-1">
      <dt>{label}</dt>
      <dd className={`font-medium tabular-nums ${tone ?? "text-slate-800"}`}>{value.toLocaleString()}</dd>
    </div>
  );
}
