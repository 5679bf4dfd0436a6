import { LIMITS } from "./bindings";

/** The engine holds repeats for at most 30 days. */
export const MAX_REPEAT_WINDOW_HOURS = LIMITS.maxRepeatWindowHours;

/** How a new number connects: this computer (the in-process engine), an Evolution API server, or
 *  Meta's official Cloud API. */
export type ProviderKindChoice = "native" | "evolution" | "cloud";
export type AddInstanceForm = {
  displayName: string;
  provider: ProviderKindChoice;
  serverUrl: string;
  apiKey: string;
  accessToken: string;
  phoneNumberId: string;
  businessAccountId: string;
  appSecret: string;
  /** Empty: the engine's current default. */
  apiVersion: string;
  /** Empty: graph.facebook.com. */
  graphUrl: string;
};
export type SettingsForm = {
  /** The ISO code of the default country (`BR`), or empty for none. */
  defaultRegion: string;
  webhookBaseUrl: string;
  retentionDays: string;
  privacyMode: boolean;
  apiEnabled: boolean;
  apiPort: string;
  /** One host name per line (or separated by commas). */
  allowedHosts: string;
  /** One browser origin per line (or separated by commas). */
  allowedOrigins: string;
  /** One folder path per line: where local apps may send files from. */
  apiFileFolders: string;
  /** The words that opt a customer out when they are a whole message, separated by commas or lines. */
  optOutWords: string;
  /** Sent once to a customer who opted out by message; empty for none. */
  optOutReply: string;
  /** Hours during which the same text to the same person is held. */
  repeatWindowHours: string;
  /** Days a check of whether a number is on WhatsApp is trusted. */
  numberCheckDays: string;
};

/** The longest retention the engine accepts (ten years). */
export const MAX_RETENTION_DAYS = LIMITS.maxRetentionDays;
/** The ports the local API may listen on (no privileged ports). */
export const MIN_API_PORT = LIMITS.minApiPort;
export const MAX_API_PORT = 65535;

export function isHttpUrl(value: string): boolean {
  return /^https?:\/\/\S+$/i.test(value.trim());
}

export function validateAddInstance(form: AddInstanceForm): string | null {
  if (form.displayName.trim() === "") return "Enter a display name for this number.";
  if (form.provider === "native") return null;
  if (form.provider === "cloud") return validateCloud(form);
  if (form.serverUrl.trim() === "") return "Enter the address of your Evolution API server.";
  if (!isHttpUrl(form.serverUrl)) return "The server URL must start with http:// or https://.";
  if (form.apiKey.trim() === "") return "Enter the global API key of the server.";
  return null;
}

function validateCloud(form: AddInstanceForm): string | null {
  if (form.accessToken.trim() === "") return "Enter the access token of a system user with WhatsApp permissions.";
  if (!/^\d+$/.test(form.phoneNumberId.trim())) return "Enter the phone number id: digits, from API Setup in Meta's App Dashboard.";
  if (!/^\d+$/.test(form.businessAccountId.trim()))
    return "Enter the WhatsApp Business Account id: digits, from API Setup in Meta's App Dashboard.";
  if (form.appSecret.trim() === "") return "Enter the app secret (App settings → Basic): Meta signs its webhooks with it.";
  const version = form.apiVersion.trim();
  if (version !== "" && !/^v\d+\.\d+$/.test(version)) return "Write the Graph API version like v26.0.";
  const graph = form.graphUrl.trim();
  if (graph !== "" && !isHttpUrl(graph)) return "The Graph API address must start with http:// or https://.";
  return null;
}

export function validateSettings(form: SettingsForm): string | null {
  const webhook = form.webhookBaseUrl.trim();
  if (webhook !== "" && !isHttpUrl(webhook)) return "The webhook address must start with http:// or https://.";
  const days = form.retentionDays.trim();
  if (!/^\d+$/.test(days) || Number(days) < 1) return "Keep the message log for a whole number of days, at least 1.";
  if (Number(days) > MAX_RETENTION_DAYS) return `The message log can be kept for at most ${MAX_RETENTION_DAYS} days.`;
  const hours = form.repeatWindowHours.trim();
  if (!/^\d+$/.test(hours) || Number(hours) > MAX_REPEAT_WINDOW_HOURS) {
    return `Hold repeated texts for a whole number of hours from 0 to ${MAX_REPEAT_WINDOW_HOURS}.`;
  }
  const checkDays = form.numberCheckDays.trim();
  if (!/^\d+$/.test(checkDays) || Number(checkDays) < 1 || Number(checkDays) > LIMITS.maxNumberCheckDays) {
    return `Trust a number check for a whole number of days from 1 to ${LIMITS.maxNumberCheckDays}.`;
  }
  if (form.optOutReply.trim().length > LIMITS.maxTextChars) {
    return `The opt-out confirmation can have at most ${LIMITS.maxTextChars} characters.`;
  }
  return validateLocalApi(form);
}

export function validateLocalApi(form: Pick<SettingsForm, "apiPort" | "allowedHosts" | "allowedOrigins">): string | null {
  const port = form.apiPort.trim();
  if (!/^\d+$/.test(port) || Number(port) < MIN_API_PORT || Number(port) > MAX_API_PORT) {
    return `The API port must be a whole number from ${MIN_API_PORT} to ${MAX_API_PORT}.`;
  }
  for (const host of parseList(form.allowedHosts)) {
    const problem = hostProblem(host);
    if (problem) return problem;
  }
  for (const origin of parseList(form.allowedOrigins)) {
    if (!isOrigin(origin)) {
      return `"${origin}" is not a browser origin: write it like https://app.example.com, with no path.`;
    }
  }
  return null;
}

/** The items of a list typed one per line or separated by commas, trimmed, without blanks or repeats. */
export function parseList(text: string): string[] {
  const seen = new Set<string>();
  const items: string[] = [];
  for (const raw of text.split(/[\n,]/)) {
    const item = raw.trim();
    if (item === "" || seen.has(item.toLowerCase())) continue;
    seen.add(item.toLowerCase());
    items.push(item);
  }
  return items;
}

/** A list as the form shows it: one item per line. */
export function formatList(items: readonly string[]): string {
  return items.join("\n");
}

const HOST_LABEL = "[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?";
const HOST_NAME = new RegExp(`^${HOST_LABEL}(?:\\.${HOST_LABEL})*\\.?$`, "i");
const IPV6_HOST = /^\[[0-9a-f:.]+\]$/i;

function hostProblem(host: string): string | null {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(host)) {
    return `Enter "${host}" as a host name only, without http:// (e.g. switchboard.lan).`;
  }
  if (!IPV6_HOST.test(host) && /:\d+$/.test(host)) {
    return `Enter "${host}" without a port: the host name alone is enough.`;
  }
  if (!IPV6_HOST.test(host) && !HOST_NAME.test(host)) return `"${host}" is not a host name, like switchboard.lan.`;
  return null;
}

/** A browser origin: a scheme, a host and an optional port, with no path (`https://app.example.com`). */
export function isOrigin(value: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\/[^\s/?#@]+\/?$/i.test(value.trim());
}

/** Host names as the API compares them: lower case, without a trailing dot. */
export function normaliseHosts(text: string): string[] {
  return parseList(formatList(parseList(text).map((host) => host.toLowerCase().replace(/\.$/, ""))));
}

/** Origins as a browser sends them: without a trailing slash. */
export function normaliseOrigins(text: string): string[] {
  return parseList(formatList(parseList(text).map((origin) => origin.replace(/\/+$/, ""))));
}

export function optional(value: string): string | null {
  const trimmed = value.trim();
  return trimmed === "" ? null : trimmed;
}

/** Only an empty number is refused here: whether it is valid is the engine's call. */
export function validatePairingPhone(phone: string): string | null {
  return phone.trim() === "" ? "Enter the phone number of the WhatsApp account, with country code." : null;
}
