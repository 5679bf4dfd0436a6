export type AddInstanceForm = { displayName: string; serverUrl: string; apiKey: string };
export type SettingsForm = { defaultCountryCode: string; webhookBaseUrl: string };
export type ComposerForm = { to: string; text: string };

export function isHttpUrl(value: string): boolean {
  return /^https?:\/\/\S+$/i.test(value.trim());
}

export function validateAddInstance(form: AddInstanceForm): string | null {
  if (form.displayName.trim() === "") return "Enter a display name for this number.";
  if (form.serverUrl.trim() === "") return "Enter the address of your Evolution API server.";
  if (!isHttpUrl(form.serverUrl)) return "The server URL must start with http:// or https://.";
  if (form.apiKey.trim() === "") return "Enter the global API key of the server.";
  return null;
}

export function validateSettings(form: SettingsForm): string | null {
  const code = form.defaultCountryCode.trim().replace(/^\+/, "");
  if (code !== "" && !/^\d{1,3}$/.test(code)) return "The country code must be 1 to 3 digits, like 55.";
  const webhook = form.webhookBaseUrl.trim();
  if (webhook !== "" && !isHttpUrl(webhook)) return "The webhook address must start with http:// or https://.";
  return null;
}

export function validateComposer(form: ComposerForm): string | null {
  if (form.to.trim() === "") return "Enter the phone number to send to.";
  if (form.to.replace(/\D/g, "").length < 6) return "The phone number looks too short.";
  if (form.text.trim() === "") return "Write a message before sending.";
  return null;
}

export function optional(value: string): string | null {
  const trimmed = value.trim();
  return trimmed === "" ? null : trimmed;
}

export function validatePairingPhone(phone: string): string | null {
  const digits = phone.replace(/\D/g, "");
  if (digits === "") return "Enter the phone number of the WhatsApp account, with country code.";
  if (digits.length < 8) return "The phone number looks too short. Include the country code.";
  return null;
}
