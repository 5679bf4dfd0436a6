import type { GuardRules, PauseReason, PushBackSignal } from "./bindings";

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
