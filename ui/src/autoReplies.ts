import { LIMITS, type AutoReplyRule, type BusinessHours, type MediaKind, type ReplyTrigger } from "./bindings";

/** One weekday's opening in the form: 1 is Monday, 7 is Sunday. */
export type HoursRow = { weekday: number; open: boolean; opens: string; closes: string };

export type AutoReplyForm = {
  enabled: boolean;
  trigger: ReplyTrigger;
  pattern: string;
  reply: string;
  mediaKind: MediaKind | "";
  mediaPath: string;
  inGroups: boolean;
  oncePerHours: string;
  timeZone: string;
  days: HoursRow[];
};

export const TRIGGERS: { value: ReplyTrigger; label: string }[] = [
  { value: "contains", label: "Message contains" },
  { value: "equals", label: "Message is exactly" },
  { value: "starts_with", label: "Message starts with" },
  { value: "away", label: "Away: outside business hours" },
  { value: "greeting", label: "Greeting: a contact's first message" },
];

export const WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

export function hasWords(trigger: ReplyTrigger): boolean {
  return trigger === "contains" || trigger === "equals" || trigger === "starts_with";
}

/** The time zone of this computer, where the browser engine knows it. */
export function systemTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

/** Every time zone the platform knows, with `current` always among them. */
export function timeZones(current: string): string[] {
  const known = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  return known.includes(current) ? known : [current, ...known];
}

/** Monday to Friday, 09:00 to 18:00: what most shops start from. */
function defaultDays(): HoursRow[] {
  return WEEKDAYS.map((_, index) => ({ weekday: index + 1, open: index < 5, opens: "09:00", closes: "18:00" }));
}

export function emptyAutoReplyForm(timeZone: string = systemTimeZone()): AutoReplyForm {
  return {
    enabled: true,
    trigger: "contains",
    pattern: "",
    reply: "",
    mediaKind: "",
    mediaPath: "",
    inGroups: false,
    oncePerHours: "0",
    timeZone,
    days: defaultDays(),
  };
}

export function toAutoReplyForm(rule: AutoReplyRule, timeZone: string = systemTimeZone()): AutoReplyForm {
  const days = defaultDays().map((row) => {
    const opening = rule.hours?.days.find((day) => day.weekday === row.weekday);
    return opening ? { ...row, open: true, opens: opening.opens, closes: opening.closes } : { ...row, open: rule.hours ? false : row.open };
  });
  return {
    enabled: rule.enabled,
    trigger: rule.trigger,
    pattern: rule.pattern ?? "",
    reply: rule.reply,
    mediaKind: rule.media?.kind ?? "",
    mediaPath: rule.media?.path ?? "",
    inGroups: rule.inGroups ?? false,
    oncePerHours: String(rule.oncePerHours ?? 0),
    timeZone: rule.hours?.timeZone ?? timeZone,
    days,
  };
}

export function toAutoReplyRule(form: AutoReplyForm): AutoReplyRule {
  const hours: BusinessHours | null =
    form.trigger === "away"
      ? {
          timeZone: form.timeZone,
          days: form.days.filter((day) => day.open).map(({ weekday, opens, closes }) => ({ weekday, opens, closes })),
        }
      : null;
  return {
    enabled: form.enabled,
    trigger: form.trigger,
    pattern: hasWords(form.trigger) ? form.pattern.trim() : null,
    reply: form.reply.trim(),
    media: form.mediaKind !== "" && form.mediaPath.trim() !== "" ? { kind: form.mediaKind, path: form.mediaPath.trim() } : null,
    inGroups: form.inGroups,
    oncePerHours: Number(form.oncePerHours.trim()),
    hours,
  };
}

const TIME = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;

/** The first thing that keeps the rule from being saved, in words; the engine checks it again. */
export function validateAutoReply(form: AutoReplyForm): string | null {
  if (hasWords(form.trigger)) {
    if (form.pattern.trim() === "") return "Write the words the message should contain, be or start with.";
    if (form.pattern.trim().length > LIMITS.maxAutoReplyPatternChars)
      return `The words can have at most ${LIMITS.maxAutoReplyPatternChars} characters.`;
  }
  if (form.reply.trim() === "" && form.mediaPath.trim() === "") return "Write the reply, or choose a file to send.";
  if ([...form.reply.trim()].length > LIMITS.maxTextChars) return `A reply can have at most ${LIMITS.maxTextChars} characters.`;
  if (form.mediaPath.trim() !== "" && form.mediaKind === "") return "Say what kind of file it is.";
  const hours = form.oncePerHours.trim();
  if (!/^\d+$/.test(hours) || Number(hours) > LIMITS.maxRepeatWindowHours)
    return `Answer the same contact at most once per 0 to ${LIMITS.maxRepeatWindowHours} hours.`;
  if (form.trigger === "away") {
    for (const day of form.days.filter((row) => row.open)) {
      const name = WEEKDAYS[day.weekday - 1];
      if (!TIME.test(day.opens) || !TIME.test(day.closes)) return `Write ${name}'s hours like 09:00 and 18:30.`;
      if (day.opens === day.closes) return `${name} opens and closes at the same time.`;
    }
  }
  return null;
}

/** What makes a rule answer, as a person reads it. */
export function describeTrigger(rule: AutoReplyRule): string {
  const words = rule.pattern ?? "";
  switch (rule.trigger) {
    case "contains":
      return `Contains “${words}”`;
    case "equals":
      return `Is exactly “${words}”`;
    case "starts_with":
      return `Starts with “${words}”`;
    case "away":
      return `Away message (${describeHours(rule.hours)})`;
    case "greeting":
      return "Greeting for a first message";
  }
}

/** Business hours in a few words: "Mon–Fri 09:00–18:00, Sat 09:00–13:00 · America/Sao_Paulo". */
export function describeHours(hours: BusinessHours | null): string {
  if (!hours || hours.days.length === 0) return "closed every day";
  const short = (weekday: number) => WEEKDAYS[weekday - 1]?.slice(0, 3) ?? "?";
  const groups: { from: number; to: number; span: string }[] = [];
  for (const day of [...hours.days].sort((a, b) => a.weekday - b.weekday)) {
    const span = `${day.opens}–${day.closes}`;
    const last = groups[groups.length - 1];
    if (last && last.span === span && last.to === day.weekday - 1) last.to = day.weekday;
    else groups.push({ from: day.weekday, to: day.weekday, span });
  }
  const text = groups
    .map((group) => `${short(group.from)}${group.to === group.from ? "" : `–${short(group.to)}`} ${group.span}`)
    .join(", ");
  return `${text} · ${hours.timeZone}`;
}

/** The kind of a file chosen for a reply, by its name. */
export function mediaKindOf(path: string): MediaKind {
  const extension = path.split(".").pop()?.toLowerCase() ?? "";
  if (["jpg", "jpeg", "png", "webp", "gif"].includes(extension)) return "image";
  if (["mp4", "3gp", "mov"].includes(extension)) return "video";
  if (["mp3", "ogg", "opus", "m4a", "aac", "amr"].includes(extension)) return "audio";
  return "document";
}
