import { describe, expect, it } from "vitest";
import {
  describePace,
  intervalFromPerMinute,
  minutesToTime,
  msToSeconds,
  perMinuteFromInterval,
  timeToMinutes,
  toPacing,
  toPacingForm,
  validatePacing,
  type PacingForm,
} from "./pacing";

describe("minutes after midnight and HH:MM", () => {
  it("converts both ways", () => {
    expect(minutesToTime(0)).toBe("00:00");
    expect(minutesToTime(22 * 60)).toBe("22:00");
    expect(minutesToTime(7 * 60 + 5)).toBe("07:05");
    expect(minutesToTime(1439)).toBe("23:59");
    expect(timeToMinutes("22:00")).toBe(1320);
    expect(timeToMinutes("7:05")).toBe(425);
    expect(timeToMinutes("23:59:30")).toBe(1439);
  });

  it("treats none and nonsense as empty", () => {
    expect(minutesToTime(null)).toBe("");
    expect(minutesToTime(1440)).toBe("");
    expect(timeToMinutes("")).toBeNull();
    expect(timeToMinutes("24:00")).toBeNull();
    expect(timeToMinutes("12:60")).toBeNull();
    expect(timeToMinutes("noon")).toBeNull();
  });
});

describe("messages per minute and the interval", () => {
  it("converts both ways", () => {
    expect(perMinuteFromInterval(1500)).toBe(40);
    expect(perMinuteFromInterval(2000)).toBe(30);
    expect(perMinuteFromInterval(7000)).toBe(8.6);
    expect(perMinuteFromInterval(0)).toBeNull();
    expect(intervalFromPerMinute(40)).toBe(1500);
    expect(intervalFromPerMinute(30)).toBe(2000);
    expect(intervalFromPerMinute(0.5)).toBe(120_000);
  });

  it("never exceeds the backend's one-hour limit", () => {
    expect(intervalFromPerMinute(0.001)).toBe(3_600_000);
    expect(intervalFromPerMinute(0)).toBe(3_600_000);
  });

  it("shows seconds without needless decimals", () => {
    expect(msToSeconds(1000)).toBe("1");
    expect(msToSeconds(1500)).toBe("1.5");
    expect(msToSeconds(0)).toBe("0");
  });
});

describe("pace form", () => {
  const defaults = { minIntervalMs: 1500, jitterMs: 1000, dailyQuota: 1000, quietStartMinute: null, quietEndMinute: null };
  const valid: PacingForm = { perMinute: "20", jitter: "2", dailyQuota: "500", quietStart: "22:00", quietEnd: "07:00" };

  it("fills from the saved pace", () => {
    expect(toPacingForm(defaults)).toEqual({ perMinute: "40", jitter: "1", dailyQuota: "1000", quietStart: "", quietEnd: "" });
    expect(toPacingForm({ ...defaults, quietStartMinute: 1320, quietEndMinute: 420 })).toMatchObject({
      quietStart: "22:00",
      quietEnd: "07:00",
    });
  });

  it("round-trips the saved pace", () => {
    const overnight = { ...defaults, quietStartMinute: 1320, quietEndMinute: 420 };
    expect(toPacing(toPacingForm(overnight))).toEqual(overnight);
  });

  it("builds the pace to save", () => {
    expect(validatePacing(valid)).toBeNull();
    expect(toPacing(valid)).toEqual({
      minIntervalMs: 3000,
      jitterMs: 2000,
      dailyQuota: 500,
      quietStartMinute: 1320,
      quietEndMinute: 420,
    });
    expect(toPacing({ ...valid, jitter: "", quietStart: "", quietEnd: "" })).toMatchObject({
      jitterMs: 0,
      quietStartMinute: null,
      quietEndMinute: null,
    });
  });

  it("explains what is wrong", () => {
    expect(validatePacing({ ...valid, perMinute: "" })).toMatch(/messages a minute/);
    expect(validatePacing({ ...valid, perMinute: "0" })).toMatch(/messages a minute/);
    expect(validatePacing({ ...valid, perMinute: "0.01" })).toMatch(/one message an hour/);
    expect(validatePacing({ ...valid, perMinute: "1000" })).toMatch(/600/);
    expect(validatePacing({ ...valid, jitter: "abc" })).toMatch(/seconds/);
    expect(validatePacing({ ...valid, jitter: "4000" })).toMatch(/an hour/);
    expect(validatePacing({ ...valid, dailyQuota: "0" })).toMatch(/at least 1/);
    expect(validatePacing({ ...valid, dailyQuota: "2.5" })).toMatch(/whole number/);
    expect(validatePacing({ ...valid, quietEnd: "" })).toMatch(/both the start and the end/);
    expect(validatePacing({ ...valid, quietEnd: "22:00" })).toMatch(/different times/);
  });

  it("describes a pace in words", () => {
    expect(describePace(defaults)).toBe("About 40 a minute (one every 1.5 s, plus up to 1 s at random)");
    expect(describePace({ ...defaults, jitterMs: 0 })).toBe("About 40 a minute (one every 1.5 s)");
  });
});
