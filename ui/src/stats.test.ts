import { describe, expect, it } from "vitest";
import type { DailyStats } from "./bindings";
import { aggregateByDay, fillDays, hasActivity, lastDays, localDay, niceCeiling, sumDays } from "./stats";

const row = (instanceId: string, day: string, counts: Partial<DailyStats>): DailyStats => ({
  instanceId,
  day,
  sent: 0,
  delivered: 0,
  read: 0,
  failed: 0,
  received: 0,
  refused: 0,
  ...counts,
});

describe("statistics", () => {
  const rows = [
    row("a", "2025-03-09", { sent: 2, delivered: 1 }),
    row("b", "2025-03-09", { sent: 3, failed: 1, received: 4 }),
    row("a", "2025-03-08", { read: 5 }),
  ];

  it("sums every instance per day, oldest first", () => {
    expect(aggregateByDay(rows)).toEqual([
      { day: "2025-03-08", sent: 0, delivered: 0, read: 5, failed: 0, received: 0 },
      { day: "2025-03-09", sent: 5, delivered: 1, read: 0, failed: 1, received: 4 },
    ]);
    expect(aggregateByDay([])).toEqual([]);
  });

  it("lists the last days, today included, across month ends", () => {
    const now = new Date(2025, 2, 2, 9, 0).getTime();
    expect(lastDays(3, now)).toEqual(["2025-02-28", "2025-03-01", "2025-03-02"]);
    expect(lastDays(30, now)).toHaveLength(30);
    expect(localDay(now)).toBe("2025-03-02");
  });

  it("fills days without activity with zeros, and totals them", () => {
    const filled = fillDays(aggregateByDay(rows), ["2025-03-07", "2025-03-08", "2025-03-09"]);
    expect(filled.map((day) => day.day)).toEqual(["2025-03-07", "2025-03-08", "2025-03-09"]);
    expect(hasActivity(filled[0]!)).toBe(false);
    expect(hasActivity(filled[1]!)).toBe(true);
    expect(sumDays(filled)).toEqual({ sent: 5, delivered: 1, read: 5, failed: 1, received: 4 });
  });

  it("rounds chart ceilings to 1, 2 or 5 times a power of ten", () => {
    expect(niceCeiling(0)).toBe(1);
    expect(niceCeiling(1)).toBe(1);
    expect(niceCeiling(3)).toBe(5);
    expect(niceCeiling(7)).toBe(10);
    expect(niceCeiling(11)).toBe(20);
    expect(niceCeiling(200)).toBe(200);
    expect(niceCeiling(501)).toBe(1000);
  });
});
