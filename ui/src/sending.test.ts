import { describe, expect, it } from "vitest";
import { describeHold, describeSignal, toGuardForm, toGuardRules } from "./sending";

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
