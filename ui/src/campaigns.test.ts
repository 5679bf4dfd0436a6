import { describe, expect, it } from "vitest";
import type { Campaign } from "./bindings";
import {
  campaignActions,
  campaignPhase,
  campaignProgress,
  csvColumns,
  insertPlaceholder,
  splitCsvLine,
  toCampaignDraft,
  validateCampaignPreview,
  validateCampaignStart,
  type CampaignForm,
} from "./campaigns";

const campaign = (patch: Partial<Campaign>): Campaign => ({
  id: "c1",
  instanceId: "i1",
  name: "Pedidos",
  template: "Olá {{nome}}!",
  state: "running",
  scheduledAt: null,
  createdAt: 0,
  total: 3,
  pending: 1,
  sent: 1,
  delivered: 1,
  read: 0,
  failed: 1,
  cancelled: 0,
  ...patch,
});

describe("campaign progress", () => {
  it("counts sent, failed and cancelled messages as done", () => {
    expect(campaignProgress(campaign({}))).toEqual({ done: 2, total: 3, percent: 67 });
    expect(campaignProgress(campaign({ total: 0, pending: 0, sent: 0, failed: 0 }))).toEqual({ done: 0, total: 0, percent: 0 });
    expect(campaignProgress(campaign({ total: 1, pending: 0, sent: 1, failed: 0 }))).toMatchObject({ done: 1, percent: 100 });
  });

  it("names the phase", () => {
    expect(campaignPhase(campaign({}), 0)).toBe("running");
    expect(campaignPhase(campaign({ pending: 0 }), 0)).toBe("completed");
    expect(campaignPhase(campaign({ scheduledAt: 1000 }), 0)).toBe("scheduled");
    expect(campaignPhase(campaign({ state: "paused" }), 0)).toBe("paused");
    expect(campaignPhase(campaign({ state: "cancelled" }), 0)).toBe("cancelled");
  });

  it("offers only the actions that make sense", () => {
    expect(campaignActions(campaign({}))).toEqual({ pause: true, resume: false, cancel: true });
    expect(campaignActions(campaign({ state: "paused" }))).toEqual({ pause: false, resume: true, cancel: true });
    expect(campaignActions(campaign({ pending: 0 }))).toEqual({ pause: false, resume: false, cancel: false });
    expect(campaignActions(campaign({ state: "cancelled" }))).toEqual({ pause: false, resume: false, cancel: false });
  });
});

describe("CSV header", () => {
  it("reads the columns like the backend: BOM, quotes, semicolons", () => {
    expect(csvColumns("nome,telefone\nAna,5511900000005\n")).toEqual(["nome", "telefone"]);
    expect(csvColumns("\uFEFFNome;Telefone;Pedido\r\nx;y;z")).toEqual(["Nome", "Telefone", "Pedido"]);
    expect(csvColumns('"Nome, completo",phone\n')).toEqual(["Nome, completo", "phone"]);
    expect(csvColumns("")).toEqual([]);
  });

  it("splits quoted fields with doubled quotes", () => {
    expect(splitCsvLine('a,"b ""c""",d', ",")).toEqual(["a", 'b "c"', "d"]);
  });
});

describe("template placeholders", () => {
  it("inserts at the cursor, replacing a selection", () => {
    expect(insertPlaceholder("Olá !", "nome", 4)).toEqual({ text: "Olá {{nome}}!", cursor: 12 });
    expect(insertPlaceholder("Olá X!", "nome", 4, 5)).toEqual({ text: "Olá {{nome}}!", cursor: 12 });
    expect(insertPlaceholder("Olá ", "nome")).toEqual({ text: "Olá {{nome}}", cursor: 12 });
  });
});

describe("campaign form", () => {
  const form: CampaignForm = { instanceId: "i1", name: " Pedidos ", csv: "nome,telefone\n", labelId: null, template: "Olá", schedule: "" };

  it("needs a number, recipients and a template to preview, and a name to start", () => {
    expect(validateCampaignPreview(form)).toBeNull();
    expect(validateCampaignPreview({ ...form, instanceId: "" })).toMatch(/number to send from/);
    expect(validateCampaignPreview({ ...form, csv: " " })).toMatch(/CSV/);
    expect(validateCampaignPreview({ ...form, csv: " ", labelId: 3 })).toBeNull();
    expect(validateCampaignPreview({ ...form, template: "" })).toMatch(/template/);
    expect(validateCampaignStart({ ...form, name: "" })).toMatch(/name/);
    expect(validateCampaignStart(form)).toBeNull();
  });

  it("builds the draft", () => {
    expect(toCampaignDraft(form, 5)).toEqual({
      instanceId: "i1",
      name: "Pedidos",
      csv: "nome,telefone\n",
      labelId: null,
      template: "Olá",
      scheduledAt: 5,
    });
  });
});
