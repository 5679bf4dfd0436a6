import type { GuardRules, PauseReason, PushBackSignal, WarmUpToday } from "./bindings";

/** Why queued messages wait, in words, for the health panel. */
export function describeHold(reason: PauseReason): string {
  switch (reason) {
    case "pushed_back":
      return "Paused because WhatsApp pushed back. Nothing is sent until you resume.";
    case "not_connected":
      return "Waiting for the number to connect.";
    case "quiet_hours":
      return "Waiting: quiet hours.";
    case "daily_quota":
      return "Waiting: today's limit is reached; sending goes on tomorrow.";
    case "warm_up_limit":
      return "Waiting: today's warm-up limit is reached; sending goes on tomorrow.";
  }
}

/** What the guard saw, as a short title. */
export function describeSignal(signal: PushBackSignal): string {
  switch (signal) {
    case "restriction":
      return "WhatsApp is restricting this number";
    case "failure_run":
      return "Many sends failed in a row";
    case "logout_after_send":
      return "Logged out right after sending";
  }
}

/** The guard's inputs, as typed. */
export type GuardForm = { restrictionErrors: string; failuresInARow: string; logoutAfterSend: boolean };

export const toGuardForm = (rules: GuardRules): GuardForm => ({
  restrictionErrors: String(rules.restrictionErrors),
  failuresInARow: String(rules.failuresInARow),
  logoutAfterSend: rules.logoutAfterSend,
});

/** The most signs a rule may wait for (the engine's limit too). */
export const MOST_SIGNS = 100;

/** The rules a form holds, or the sentence saying what is wrong with it. */
export function toGuardRules(form: GuardForm): GuardRules | string {
  const count = (value: string): number | null => {
    const text = value.trim();
    if (!/^\d+$/.test(text)) return null;
    const number = Number(text);
    return number <= MOST_SIGNS ? number : null;
  };
  const restrictionErrors = count(form.restrictionErrors);
  const failuresInARow = count(form.failuresInARow);
  if (restrictionErrors === null || failuresInARow === null) {
    return `Enter whole numbers from 0 to ${MOST_SIGNS}; 0 turns a sign off.`;
  }
  return { restrictionErrors, failuresInARow, logoutAfterSend: form.logoutAfterSend };
}

/** "Day 3 of 14: 40 messages today", or that the warm-up is over. */
export function describeWarmUp(warmUp: WarmUpToday): string {
  if (warmUp.day > warmUp.days) return `Warm-up finished after ${warmUp.days} days; the daily limit applies.`;
  return `Warm-up day ${warmUp.day} of ${warmUp.days}: ${warmUp.limitToday.toLocaleString()} messages today.`;
}

/** Daily limits typed as "20, 30, 40": whole numbers of at least 1, or the sentence saying what is wrong. */
export function parseDailyLimits(text: string): number[] | string {
  const parts = text.split(/[\s,;]+/).filter((part) => part !== "");
  if (parts.length === 0) return [];
  const limits = parts.map(Number);
  if (limits.some((limit) => !Number.isInteger(limit) || limit < 1)) {
    return "Write one whole number of messages per day, each at least 1, separated by commas.";
  }
  return limits;
}
