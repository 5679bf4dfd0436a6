import { useState } from "react";
import { errorMessage } from "../../api";
import { Button } from "../../components/Button";
import { PlusIcon } from "../../components/icons";
import { Spinner } from "../../components/Spinner";
import { useNow } from "../../hooks/useNow";
import { useCampaigns, useInstances } from "../../queries";
import { CampaignRow } from "./CampaignRow";
import { NewCampaignDialog } from "./NewCampaignDialog";

type Props = { onShowMessages: (campaignId: string) => void };

export function CampaignsScreen({ onShowMessages }: Props) {
  const campaigns = useCampaigns();
  const instances = useInstances();
  const [creating, setCreating] = useState(false);
  const list = campaigns.data ?? [];
  const names = new Map((instances.data ?? []).map((instance) => [instance.id, instance.displayName]));
  // Scheduled campaigns turn into running ones when their time comes.
  const now = useNow(
    list.some((campaign) => campaign.scheduledAt !== null),
    30_000,
  );

  return (
    <section className="flex min-w-0 flex-1 flex-col">
      <div className="flex flex-wrap items-end justify-between gap-4 border-b border-slate-200 bg-white px-6 py-4">
        <div>
          <h1 className="text-lg font-semibold text-slate-900">Campaigns</h1>
          <p className="text-sm text-slate-500">
            One message template to many people from a CSV file, sent at the pace of the number.
          </p>
        </div>
        <Button variant="primary" icon={<PlusIcon />} onClick={() => setCreating(true)} data-testid="new-campaign">
          New campaign
        </Button>
      </div>
      <div className="min-h-0 flex-1 overflow-auto px-6 py-4">
        {campaigns.isPending ? (
          <p className="flex items-center gap-2 text-sm text-slate-500">
            <Spinner className="size-4" /> Loading campaigns…
          </p>
        ) : campaigns.isError ? (
          <p role="alert" className="text-sm text-red-700">
            {errorMessage(campaigns.error)}
          </p>
        ) : list.length === 0 ? (
          <div className="rounded-xl bg-white px-6 py-12 text-center shadow-xs ring-1 ring-slate-200">
            <h2 className="text-sm font-semibold text-slate-900">No campaigns yet</h2>
            <p className="mx-auto mt-1 max-w-md text-sm text-slate-500">
              Start one from a spreadsheet exported as CSV: a header row, then one person per row with their phone
              number and anything the message should mention.
            </p>
          </div>
        ) : (
          <ul className="space-y-3" data-testid="campaign-list">
            {list.map((campaign) => (
              <li key={campaign.id}>
                <CampaignRow
                  campaign={campaign}
                  instanceName={names.get(campaign.instanceId)}
                  now={now}
                  onShowMessages={() => onShowMessages(campaign.id)}
                />
              </li>
            ))}
          </ul>
        )}
      </div>
      {creating && <NewCampaignDialog instances={instances.data ?? []} onClose={() => setCreating(false)} />}
    </section>
  );
}
