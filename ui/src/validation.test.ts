import { describe, expect, it } from "vitest";
import { isHttpUrl, validateAddInstance, validateComposer, validatePairingPhone, validateSettings } from "./validation";

const valid = { displayName: "Loja Exemplo", serverUrl: "http://localhost:8080", apiKey: "secret" };

describe("add instance form", () => {
  it("accepts a complete form", () => {
    expect(validateAddInstance(valid)).toBeNull();
  });

  it("requires every field", () => {
    expect(validateAddInstance({ ...valid, displayName: "  " })).toMatch(/display name/);
    expect(validateAddInstance({ ...valid, serverUrl: "" })).toMatch(/Evolution API server/);
    expect(validateAddInstance({ ...valid, apiKey: "" })).toMatch(/API key/);
  });

  it("requires an http or https server URL", () => {
    expect(validateAddInstance({ ...valid, serverUrl: "localhost:8080" })).toBe(
      "The server URL must start with http:// or https://.",
    );
    expect(isHttpUrl("https://evo.example.com")).toBe(true);
    expect(isHttpUrl("ftp://evo.example.com")).toBe(false);
  });
});

describe("settings form", () => {
  it("accepts empty optional values", () => {
    expect(validateSettings({ defaultCountryCode: "", webhookBaseUrl: "" })).toBeNull();
  });

  it("checks the country code and webhook address", () => {
    expect(validateSettings({ defaultCountryCode: "+55", webhookBaseUrl: "" })).toBeNull();
    expect(validateSettings({ defaultCountryCode: "Brazil", webhookBaseUrl: "" })).toMatch(/1 to 3 digits/);
    expect(validateSettings({ defaultCountryCode: "55", webhookBaseUrl: "example.com" })).toMatch(/http/);
  });
});

describe("composer and pairing", () => {
  it("needs a recipient and a text", () => {
    expect(validateComposer({ to: "", text: "Hi" })).toMatch(/phone number/);
    expect(validateComposer({ to: "+55 11 90000-0002", text: " " })).toMatch(/Write a message/);
    expect(validateComposer({ to: "+55 11 90000-0002", text: "Hi" })).toBeNull();
  });

  it("needs a full phone number for a pairing code", () => {
    expect(validatePairingPhone("")).toMatch(/country code/);
    expect(validatePairingPhone("1234")).toMatch(/too short/);
    expect(validatePairingPhone("+55 11 91234-5678")).toBeNull();
  });
});
