import type { Campaign, CampaignDraft, CampaignState, InstanceId } from "./bindings";
import type { Tone } from "./format";

/** What a person sees a campaign as doing. */
export type CampaignPhase = "scheduled" | "running" | "completed" | "paused" | "cancelled";

export function campaignPhase(campaign: Campaign, now: number): CampaignPhase {
  if (campaign.state === "cancelled") return "cancelled";
  if (campaign.state === "paused") return "paused";
  if (campaign.total > 0 && campaign.pending === 0) return "completed";
  if (campaign.scheduledAt !== null && campaign.scheduledAt > now) return "scheduled";
  return "running";
}

const PHASES: Record<CampaignPhase, { label: string; tone: Tone }> = {
  scheduled: { label: "Scheduled", tone: "blue" },
  running: { label: "Sending", tone: "amber" },
  completed: { label: "Finished", tone: "green" },
  paused: { label: "Paused", tone: "gray" },
  cancelled: { label: "Cancelled", tone: "red" },
};

export function campaignPhaseLabel(phase: CampaignPhase): string {
  return PHASES[phase].label;
}

export function campaignPhaseTone(phase: CampaignPhase): Tone {
  return PHASES[phase].tone;
}

/** Messages finished with (sent, failed or withdrawn) over all of them. */
export function campaignProgress(campaign: Campaign): { done: number; total: number; percent: number } {
  const done = Math.min(campaign.total, campaign.sent + campaign.failed + campaign.cancelled);
  const percent = campaign.total === 0 ? 0 : Math.round((done / campaign.total) * 100);
  return { done, total: campaign.total, percent };
}

/** Which state buttons a campaign offers. */
export function campaignActions(campaign: Campaign): { pause: boolean; resume: boolean; cancel: boolean } {
  const open = campaign.state !== "cancelled" && campaign.pending > 0;
  return {
    pause: open && campaign.state === "running",
    resume: open && campaign.state === "paused",
    cancel: open,
  };
}

export function isCampaignState(value: string): value is CampaignState {
  return value === "running" || value === "paused" || value === "cancelled";
}

/** Splits one CSV line, honouring double quotes ("a, b" and "" inside quotes). */
export function splitCsvLine(line: string, delimiter: string): string[] {
  const fields: string[] = [];
  let field = "";
  let quoted = false;
  for (let index = 0; index < line.length; index += 1) {
    const char = line[index]!;
    if (quoted) {
      if (char === '"' && line[index + 1] === '"') {
        field += '"';
        index += 1;
      } else if (char === '"') {
        quoted = false;
      } else {
        field += char;
      }
    } else if (char === '"') {
      quoted = true;
    } else if (char === delimiter) {
      fields.push(field);
      field = "";
    } else {
      field += char;
    }
  }
  fields.push(field);
  return fields;
}

/**
 * The column names in a CSV file's header row, as the backend reads them: a byte-order mark is
 * skipped and semicolons are the separator when the header has more of them than commas.
 */
export function csvColumns(csv: string): string[] {
  const text = csv.replace(/^\uFEFF/, "");
  const header = text.split(/\r?\n/, 1)[0] ?? "";
  if (header.trim() === "") return [];
  const semicolons = header.split(";").length - 1;
  const commas = header.split(",").length - 1;
  return splitCsvLine(header, semicolons > commas ? ";" : ",")
    .map((name) => name.trim())
    .filter((name) => name !== "");
}

export function placeholder(column: string): string {
  return `{{${column}}}`;
}

/** Inserts `{{column}}` into a template at the cursor (or at the end). Returns the text and the new cursor. */
export function insertPlaceholder(
  template: string,
  column: string,
  selectionStart: number | null = null,
  selectionEnd: number | null = selectionStart,
): { text: string; cursor: number } {
  const start = selectionStart === null ? template.length : Math.max(0, Math.min(selectionStart, template.length));
  const end = selectionEnd === null ? start : Math.max(start, Math.min(selectionEnd, template.length));
  const token = placeholder(column);
  return { text: template.slice(0, start) + token + template.slice(end), cursor: start + token.length };
}

/** The campaign inputs, as typed. */
export type CampaignForm = {
  instanceId: InstanceId | "";
  name: string;
  csv: string;
  /** Instead of the CSV: every contact with this label. */
  labelId: number | null;
  template: string;
  /** The `datetime-local` value of the start time, or empty to start now. */
  schedule: string;
};

/** What Preview needs: a number to send from, recipients and a template. */
export function validateCampaignPreview(form: CampaignForm): string | null {
  if (form.instanceId === "") return "Choose the number to send from.";
  if (form.labelId === null && form.csv.trim() === "") return "Choose a CSV file or paste the recipients, with a header row first.";
  if (form.template.trim() === "") return "Write the message template.";
  return null;
}

/** What Start needs on top: a name. */
export function validateCampaignStart(form: CampaignForm): string | null {
  return validateCampaignPreview(form) ?? (form.name.trim() === "" ? "Give the campaign a name." : null);
}

export function toCampaignDraft(form: CampaignForm, scheduledAt: number | null): CampaignDraft {
  return {
    instanceId: form.instanceId,
    name: form.name.trim(),
    csv: form.labelId === null ? form.csv : "",
    labelId: form.labelId,
    template: form.template,
    scheduledAt,
  };
}
