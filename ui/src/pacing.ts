import { LIMITS, type Pacing } from "./bindings";

export const MINUTES_PER_DAY = 24 * 60;
/** The engine refuses intervals and jitter longer than this (an hour). */
export const MAX_INTERVAL_MS = LIMITS.maxPacingIntervalMs;

const pad2 = (value: number) => String(value).padStart(2, "0");

/** Minutes after midnight as `HH:MM` (the value of a time input); empty for none. */
export function minutesToTime(minutes: number | null): string {
  if (minutes === null || !Number.isInteger(minutes) || minutes < 0 || minutes >= MINUTES_PER_DAY) return "";
  return `${pad2(Math.floor(minutes / 60))}:${pad2(minutes % 60)}`;
}

/** `HH:MM` (or `H:MM`, seconds ignored) as minutes after midnight; null when empty or invalid. */
export function timeToMinutes(value: string): number | null {
  const match = /^(\d{1,2}):(\d{2})(?::\d{2})?$/.exec(value.trim());
  if (!match) return null;
  const hours = Number(match[1]);
  const minutes = Number(match[2]);
  if (hours > 23 || minutes > 59) return null;
  return hours * 60 + minutes;
}

/** How many messages a minute a minimum interval allows, to one decimal; null when unlimited. */
export function perMinuteFromInterval(intervalMs: number): number | null {
  if (intervalMs <= 0) return null;
  return Math.round((60_000 / intervalMs) * 10) / 10;
}

/** The minimum interval for a number of messages a minute. */
export function intervalFromPerMinute(perMinute: number): number {
  if (!(perMinute > 0)) return MAX_INTERVAL_MS;
  return Math.min(MAX_INTERVAL_MS, Math.round(60_000 / perMinute));
}

/** Milliseconds as seconds for an input, without needless decimals ("1.5", "2"). */
export function msToSeconds(ms: number): string {
  return String(Math.round(ms / 100) / 10);
}

function parseNumber(value: string): number | null {
  const text = value.trim().replace(",", ".");
  if (text === "" || !/^\d*\.?\d+$|^\d+\.$/.test(text)) return null;
  const number = Number(text);
  return Number.isFinite(number) ? number : null;
}

/** The sending-pace inputs, as typed. */
export type PacingForm = {
  perMinute: string;
  /** Seconds. */
  jitter: string;
  dailyQuota: string;
  quietStart: string;
  quietEnd: string;
};

export function toPacingForm(pacing: Pacing): PacingForm {
  const perMinute = perMinuteFromInterval(pacing.minIntervalMs);
  return {
    perMinute: perMinute === null ? "" : String(perMinute),
    jitter: msToSeconds(pacing.jitterMs),
    dailyQuota: String(pacing.dailyQuota),
    quietStart: minutesToTime(pacing.quietStartMinute),
    quietEnd: minutesToTime(pacing.quietEndMinute),
  };
}

/** The first problem with the pace inputs, as a sentence; null when they can be saved. */
export function validatePacing(form: PacingForm): string | null {
  const perMinute = parseNumber(form.perMinute);
  if (perMinute === null || perMinute <= 0) return "Enter how many messages a minute this number may send, like 20.";
  if (perMinute < 60_000 / MAX_INTERVAL_MS) return "Allow at least one message an hour (0.02 a minute).";
  if (perMinute > 600) return "At most 600 messages a minute can be set.";
  const jitter = form.jitter.trim() === "" ? 0 : parseNumber(form.jitter);
  if (jitter === null) return "The random extra delay must be a number of seconds, like 1.5.";
  if (jitter * 1000 > MAX_INTERVAL_MS) return "The random extra delay can be at most an hour (3600 s).";
  const quota = form.dailyQuota.trim();
  if (!/^\d+$/.test(quota) || Number(quota) < 1) return "The daily limit must be a whole number of at least 1.";
  if (Number(quota) > 4_000_000_000) return "The daily limit is too large.";
  const start = form.quietStart.trim();
  const end = form.quietEnd.trim();
  if ((start === "") !== (end === "")) return "Set both the start and the end of the quiet hours, or neither.";
  if (start !== "") {
    const from = timeToMinutes(start);
    const to = timeToMinutes(end);
    if (from === null || to === null) return "Quiet hours need times like 22:00.";
    if (from === to) return "Quiet hours must start and end at different times.";
  }
  return null;
}

/** The pacing to save, from inputs that passed `validatePacing`. */
export function toPacing(form: PacingForm): Pacing {
  return {
    minIntervalMs: intervalFromPerMinute(parseNumber(form.perMinute) ?? 0),
    jitterMs: Math.round((parseNumber(form.jitter) ?? 0) * 1000),
    dailyQuota: Number(form.dailyQuota.trim()),
    quietStartMinute: timeToMinutes(form.quietStart),
    quietEndMinute: timeToMinutes(form.quietEnd),
  };
}

/** One line describing a pace, e.g. "About 40 a minute (one every 1.5 s, plus up to 1 s)". */
export function describePace(pacing: Pacing): string {
  const perMinute = perMinuteFromInterval(pacing.minIntervalMs);
  const base =
    perMinute === null
      ? "As fast as the server accepts"
      : `About ${perMinute} a minute (one every ${msToSeconds(pacing.minIntervalMs)} s`;
  const jitter = pacing.jitterMs > 0 ? `, plus up to ${msToSeconds(pacing.jitterMs)} s at random` : "";
  return perMinute === null ? `${base}${jitter}` : `${base}${jitter})`;
}
