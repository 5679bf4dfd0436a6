import { describe, expect, it } from "vitest";
import {
  describeHours,
  describeTrigger,
  emptyAutoReplyForm,
  mediaKindOf,
  toAutoReplyForm,
  toAutoReplyRule,
  validateAutoReply,
} from "./autoReplies";

describe("automatic reply form", () => {
  const away = { ...emptyAutoReplyForm("America/Sao_Paulo"), trigger: "away" as const, reply: "Fechados; voltamos às 9h." };

  it("turns business hours into the engine's rule and back", () => {
    const rule = toAutoReplyRule(away);
    expect(rule.pattern).toBeNull();
    expect(rule.hours?.timeZone).toBe("America/Sao_Paulo");
    expect(rule.hours?.days.map((day) => day.weekday)).toEqual([1, 2, 3, 4, 5]);
    const back = toAutoReplyForm(rule, "UTC");
    expect(back.days.filter((day) => day.open).map((day) => day.weekday)).toEqual([1, 2, 3, 4, 5]);
    expect(back.timeZone).toBe("America/Sao_Paulo");
  });

  it("keeps words only for the rules that match words", () => {
    const price = { ...emptyAutoReplyForm("UTC"), pattern: " preço ", reply: "Tabela: …" };
    expect(toAutoReplyRule(price).pattern).toBe("preço");
    expect(toAutoReplyRule(price).hours).toBeNull();
    expect(toAutoReplyRule({ ...price, trigger: "greeting" }).pattern).toBeNull();
  });

  it("says what keeps a rule from being saved", () => {
    expect(validateAutoReply({ ...emptyAutoReplyForm("UTC"), reply: "Oi" })).toMatch(/words/);
    expect(validateAutoReply({ ...emptyAutoReplyForm("UTC"), pattern: "preço" })).toMatch(/reply/);
    expect(validateAutoReply({ ...away, oncePerHours: "x" })).toMatch(/once per/);
    const sameTime = { ...away, days: away.days.map((day) => (day.weekday === 1 ? { ...day, closes: "09:00" } : day)) };
    expect(validateAutoReply(sameTime)).toMatch(/Monday opens and closes/);
    const badTime = { ...away, days: away.days.map((day) => (day.weekday === 2 ? { ...day, opens: "9" } : day)) };
    expect(validateAutoReply(badTime)).toMatch(/Tuesday/);
    expect(validateAutoReply(away)).toBeNull();
  });

  it("describes rules and hours in a few words", () => {
    expect(describeTrigger(toAutoReplyRule({ ...emptyAutoReplyForm("UTC"), pattern: "preço", reply: "x" }))).toBe("Contains “preço”");
    expect(describeHours(toAutoReplyRule(away).hours)).toBe("Mon–Fri 09:00–18:00 · America/Sao_Paulo");
    expect(describeHours({ timeZone: "UTC", days: [] })).toBe("closed every day");
    expect(
      describeHours({
        timeZone: "UTC",
        days: [
          { weekday: 5, opens: "20:00", closes: "02:00" },
          { weekday: 6, opens: "10:00", closes: "14:00" },
        ],
      }),
    ).toBe("Fri 20:00–02:00, Sat 10:00–14:00 · UTC");
  });

  it("tells the kind of a chosen file by its name", () => {
    expect(mediaKindOf("/home/ana/cardapio.JPG")).toBe("image");
    expect(mediaKindOf("/home/ana/tabela.pdf")).toBe("document");
    expect(mediaKindOf("/home/ana/audio.ogg")).toBe("audio");
  });
});
