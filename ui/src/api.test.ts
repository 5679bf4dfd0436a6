import { describe, expect, it } from "vitest";
import { ApiFailure, errorMessage, isRepeat, toApiError, unwrap } from "./api";

describe("unwrap", () => {
  it("returns the data of a successful result", () => {
    expect(unwrap({ status: "ok", data: 42 })).toBe(42);
  });

  it("throws an ApiFailure carrying the backend error", () => {
    const result = { status: "error", error: { code: "provider_auth", message: "The server rejected the API key." } } as const;
    expect(() => unwrap(result)).toThrow(ApiFailure);
    try {
      unwrap(result);
    } catch (error) {
      expect(error).toBeInstanceOf(ApiFailure);
      expect((error as ApiFailure).code).toBe("provider_auth");
      expect((error as ApiFailure).message).toBe("The server rejected the API key.");
    }
  });
});

describe("error messages", () => {
  it("shows the sentence of an ApiFailure", () => {
    const failure = new ApiFailure({ code: "conflict", message: "That name is already in use." });
    expect(errorMessage(failure)).toBe("That name is already in use.");
  });

  it("never shows raw objects", () => {
    expect(errorMessage({ weird: true })).toBe("Something went wrong. Please try again.");
    expect(errorMessage(undefined)).toBe("Something went wrong. Please try again.");
    expect(errorMessage(new Error(""))).toBe("Something went wrong. Please try again.");
  });

  it("keeps plain strings and Error messages", () => {
    expect(errorMessage("Command not allowed.")).toBe("Command not allowed.");
    expect(errorMessage(new Error("IPC failed."))).toBe("IPC failed.");
  });

  it("normalises malformed backend errors", () => {
    expect(toApiError({ code: "internal", message: "" }).message).toBe("Something went wrong. Please try again.");
    expect(toApiError("Instance not found.")).toEqual({ code: "internal", message: "Instance not found." });
  });
});

describe("isRepeat", () => {
  it("tells a held repeat from other refusals", () => {
    expect(isRepeat(new ApiFailure({ code: "repeated", message: "The same text went to Maria." }))).toBe(true);
    expect(isRepeat(new ApiFailure({ code: "opted_out", message: "Maria opted out." }))).toBe(false);
    expect(isRepeat(new Error("repeated"))).toBe(false);
  });
});
