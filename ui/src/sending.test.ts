import { describe, expect, it } from "vitest";
import { describeHold, describeSignal, describeWarmUp, parseDailyLimits, toGuardForm, toGuardRules } from "./sending";

describe("the sending guard's form", () => {
  it("round-trips rules and refuses what the engine would", () => {
    const rules = { restrictionErrors: 1, failuresInARow: 5, logoutAfterSend: true };
    expect(toGuardRules(toGuardForm(rules))).toEqual(rules);
    expect(toGuardRules({ restrictionErrors: " 0 ", failuresInARow: "100", logoutAfterSend: false })).toEqual({
      restrictionErrors: 0,
      failuresInARow: 100,
      logoutAfterSend: false,
    });
    for (const bad of ["", "-1", "2.5", "101", "five"]) {
      expect(typeof toGuardRules({ restrictionErrors: bad, failuresInARow: "5", logoutAfterSend: true })).toBe("string");
    }
  });

  it("says why sending waits and what paused it", () => {
    expect(describeHold("pushed_back")).toContain("resume");
    expect(describeHold("daily_quota")).toContain("tomorrow");
    expect(describeSignal("failure_run")).toContain("failed");
  });
});

describe("the warm-up", () => {
  it("reads the day and parses typed limits", () => {
    const warmUp = { day: 3, days: 14, limitToday: 40, dailyLimits: [20, 30, 40] };
    expect(describeWarmUp(warmUp)).toBe("Warm-up day 3 of 14: 40 messages today.");
    expect(describeWarmUp({ ...warmUp, day: 15 })).toContain("finished");
    expect(parseDailyLimits("20, 30 40;50")).toEqual([20, 30, 40, 50]);
    expect(parseDailyLimits("  ")).toEqual([]);
    expect(typeof parseDailyLimits("20, 0")).toBe("string");
    expect(typeof parseDailyLimits("20, 2.5")).toBe("string");
  });
});
