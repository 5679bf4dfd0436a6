import { describe, expect, it } from "vitest";
import { regionOptions, usableLanguage } from "./regions";

const regions = [
  { region: "BR", callingCode: 55 },
  { region: "DE", callingCode: 49 },
  { region: "ID", callingCode: 62 },
  { region: "US", callingCode: 1 },
];

describe("default country options", () => {
  it("names each country in the UI language with its calling code, sorted by name", () => {
    expect(regionOptions(regions, "BR", "en")).toEqual([
      { region: "BR", label: "Brazil (+55)" },
      { region: "DE", label: "Germany (+49)" },
      { region: "ID", label: "Indonesia (+62)" },
      { region: "US", label: "United States (+1)" },
    ]);
  });

  it("sorts by the name in the UI language", () => {
    expect(regionOptions(regions, null, "de").map((option) => option.label)).toEqual([
      "Brasilien (+55)",
      "Deutschland (+49)",
      "Indonesien (+62)",
      "Vereinigte Staaten (+1)",
    ]);
  });

  it("keeps the chosen country among the options before the list has loaded", () => {
    expect(regionOptions([], "BR", "en")).toEqual([{ region: "BR", label: "Brazil" }]);
    expect(regionOptions([], null, "en")).toEqual([]);
  });
});

describe("the language the window reports", () => {
  it("is kept when Intl accepts it", () => {
    expect(usableLanguage("pt-BR")).toBe("pt-BR");
    expect(usableLanguage("es_419".replace("_", "-"))).toBe("es-419");
  });

  it.each(["c", "C", "", undefined])("falls back to English for %j", (reported) => {
    expect(usableLanguage(reported)).toBe("en");
  });

  it("names countries even when the system reports the C locale", () => {
    const options = regionOptions([{ region: "BR", callingCode: 55 }], "BR", "c");
    expect(options).toEqual([{ region: "BR", label: "Brazil (+55)" }]);
  });
});
