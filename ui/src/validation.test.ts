import { describe, expect, it } from "vitest";
import { LIMITS } from "./bindings";
import {
  formatList,
  isHttpUrl,
  isOrigin,
  normaliseHosts,
  normaliseOrigins,
  parseList,
  validateAddInstance,
  validateLocalApi,
  validatePairingPhone,
  validateSettings,
  type AddInstanceForm,
} from "./validation";

const valid: AddInstanceForm = {
  displayName: "Loja Exemplo",
  provider: "evolution",
  serverUrl: "http://localhost:8080",
  apiKey: "secret",
  accessToken: "",
  phoneNumberId: "",
  businessAccountId: "",
  appSecret: "",
  apiVersion: "",
  graphUrl: "",
};

describe("add instance form", () => {
  it("accepts a complete form", () => {
    expect(validateAddInstance(valid)).toBeNull();
  });

  it("requires every field", () => {
    expect(validateAddInstance({ ...valid, displayName: "  " })).toMatch(/display name/);
    expect(validateAddInstance({ ...valid, serverUrl: "" })).toMatch(/Evolution API server/);
    expect(validateAddInstance({ ...valid, apiKey: "" })).toMatch(/API key/);
  });

  it("asks only for a name when the number links to this computer", () => {
    const native = { ...valid, provider: "native" as const, serverUrl: "", apiKey: "" };
    expect(validateAddInstance(native)).toBeNull();
    expect(validateAddInstance({ ...native, displayName: "" })).toMatch(/display name/);
  });

  it("checks a Cloud API number's ids, version and address before anything is sent", () => {
    const cloud: AddInstanceForm = {
      ...valid,
      provider: "cloud",
      accessToken: "EAAG",
      phoneNumberId: "100000000000001",
      businessAccountId: "200000000000002",
      appSecret: "app-secret",
    };
    expect(validateAddInstance(cloud)).toBeNull();
    expect(validateAddInstance({ ...cloud, accessToken: " " })).toMatch(/access token/);
    expect(validateAddInstance({ ...cloud, phoneNumberId: "+1 555" })).toMatch(/phone number id/);
    expect(validateAddInstance({ ...cloud, businessAccountId: "" })).toMatch(/Business Account id/);
    expect(validateAddInstance({ ...cloud, appSecret: "" })).toMatch(/app secret/);
    expect(validateAddInstance({ ...cloud, apiVersion: "23" })).toMatch(/v26\.0/);
    expect(validateAddInstance({ ...cloud, apiVersion: "v23.0" })).toBeNull();
    expect(validateAddInstance({ ...cloud, graphUrl: "graph.local" })).toMatch(/Graph API address/);
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
  const settings = {
    defaultRegion: "BR",
    webhookBaseUrl: "",
    retentionDays: "90",
    privacyMode: false,
    apiEnabled: true,
    apiPort: "47800",
    allowedHosts: "",
    allowedOrigins: "",
    apiFileFolders: "",
    optOutWords: "SAIR, STOP",
    optOutReply: "",
    repeatWindowHours: "24",
    numberCheckDays: "30",
  };

  it("trusts number checks for 1 day up to the engine's limit", () => {
    expect(validateSettings({ ...settings, numberCheckDays: "0" })).toMatch(/number check/);
    expect(validateSettings({ ...settings, numberCheckDays: String(LIMITS.maxNumberCheckDays + 1) })).toMatch(/number check/);
    expect(validateSettings({ ...settings, numberCheckDays: "7" })).toBeNull();
  });

  it("accepts empty optional values", () => {
    expect(validateSettings(settings)).toBeNull();
    expect(validateSettings({ ...settings, defaultRegion: "" })).toBeNull();
  });

  it("checks the webhook address", () => {
    expect(validateSettings({ ...settings, webhookBaseUrl: "https://switchboard.example.com" })).toBeNull();
    expect(validateSettings({ ...settings, webhookBaseUrl: "example.com" })).toMatch(/http/);
  });

  it("needs a whole number of retention days", () => {
    expect(validateSettings({ ...settings, retentionDays: " 30 ", privacyMode: true })).toBeNull();
    expect(validateSettings({ ...settings, retentionDays: "" })).toMatch(/at least 1/);
    expect(validateSettings({ ...settings, retentionDays: "0" })).toMatch(/at least 1/);
    expect(validateSettings({ ...settings, retentionDays: "1.5" })).toMatch(/whole number/);
    expect(validateSettings({ ...settings, retentionDays: "99999" })).toMatch(/at most 3650 days/);
  });

  it("checks the local API settings too", () => {
    expect(validateSettings({ ...settings, apiEnabled: false, allowedHosts: "pc.lan" })).toBeNull();
    expect(validateSettings({ ...settings, apiPort: "99" })).toMatch(/API port/);
  });
});

describe("local API settings", () => {
  const api = { apiPort: "47800", allowedHosts: "", allowedOrigins: "" };

  it("accepts the defaults", () => {
    expect(validateLocalApi(api)).toBeNull();
  });

  it("needs a port from 1024 to 65535", () => {
    expect(validateLocalApi({ ...api, apiPort: " 1024 " })).toBeNull();
    expect(validateLocalApi({ ...api, apiPort: "65535" })).toBeNull();
    for (const port of ["", "80", "1023", "65536", "47800.5", "port"]) {
      expect(validateLocalApi({ ...api, apiPort: port })).toBe("The API port must be a whole number from 1024 to 65535.");
    }
  });

  it("takes host names without scheme or port", () => {
    expect(validateLocalApi({ ...api, allowedHosts: "switchboard.lan\n192.168.1.20, [fe80::1]\nmy-pc" })).toBeNull();
    expect(validateLocalApi({ ...api, allowedHosts: "http://switchboard.lan" })).toMatch(/without http/);
    expect(validateLocalApi({ ...api, allowedHosts: "switchboard.lan:47800" })).toMatch(/without a port/);
    expect(validateLocalApi({ ...api, allowedHosts: "my pc" })).toMatch(/not a host name/);
  });

  it("takes origins without a path", () => {
    expect(validateLocalApi({ ...api, allowedOrigins: "https://app.example.com\nhttp://localhost:3000/" })).toBeNull();
    expect(validateLocalApi({ ...api, allowedOrigins: "https://app.example.com/admin" })).toMatch(/not a browser origin/);
    expect(validateLocalApi({ ...api, allowedOrigins: "*" })).toMatch(/not a browser origin/);
    expect(isOrigin("chrome-extension://abcdef")).toBe(true);
    expect(isOrigin("app.example.com")).toBe(false);
  });
});

describe("lists typed in a text box", () => {
  it("splits on lines and commas, trimming blanks and repeats", () => {
    expect(parseList(" a.lan, b.lan\n\n A.lan \nc.lan,")).toEqual(["a.lan", "b.lan", "c.lan"]);
    expect(parseList("   ")).toEqual([]);
  });

  it("shows one item per line", () => {
    expect(formatList(["a.lan", "b.lan"])).toBe("a.lan\nb.lan");
    expect(parseList(formatList(["x", "y"]))).toEqual(["x", "y"]);
  });

  it("normalises hosts and origins as the API compares them", () => {
    expect(normaliseHosts("Switchboard.LAN.\nswitchboard.lan")).toEqual(["switchboard.lan"]);
    expect(normaliseOrigins("https://app.example.com/\nhttps://app.example.com, http://localhost:3000")).toEqual([
      "https://app.example.com",
      "http://localhost:3000",
    ]);
  });
});

describe("pairing", () => {
  it("needs a phone number for a pairing code, and leaves judging it to the engine", () => {
    expect(validatePairingPhone("  ")).toMatch(/country code/);
    expect(validatePairingPhone("1234")).toBeNull();
    expect(validatePairingPhone("+55 11 91234-5678")).toBeNull();
  });
});
