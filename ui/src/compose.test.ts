import { describe, expect, it } from "vitest";
import { ApiFailure } from "./api";
import { LIMITS, type Message, type RecipientCheck } from "./bindings";
import {
  buildContent,
  buildSendRequest,
  characterCount,
  clearedAfterSend,
  EMPTY_COMPOSE,
  fileNameOf,
  fromDateTimeLocal,
  isComposeType,
  MAX_TEXT_CHARS,
  newIdempotencyKey,
  parseCoordinate,
  presenceNote,
  recipientNote,
  recipientProblem,
  replyTargetOf,
  toDateTimeLocal,
  validateCompose,
  validateRecipient,
  validateSchedule,
  type ComposeForm,
  composeTypesFor,
} from "./compose";

const now = new Date(2025, 2, 10, 12, 0, 0).getTime();
const form = (patch: Partial<ComposeForm>): ComposeForm => ({ ...EMPTY_COMPOSE, to: "+55 11 90000-0002", ...patch });

describe("recipient", () => {
  it("needs a recipient, and leaves judging it to the engine", () => {
    expect(validateRecipient(" ")).toMatch(/phone number/);
    expect(validateRecipient("123")).toBeNull();
    expect(validateRecipient("+55 11 90000-0002")).toBeNull();
    expect(validateRecipient("120363025246125486@g.us")).toBeNull();
  });
});

describe("recipient note", () => {
  const typed = "(11) 98765-4321";
  const reading = { jid: "5511987654321@s.whatsapp.net", display: "+55 11 98765-4321" };
  const sentence = '"(11) 8765-4321" is not a valid phone number. Did you mean +55 11 98765-4321?';
  const refusal = new ApiFailure({ code: "invalid_input", message: sentence });
  const answered = (data: RecipientCheck | undefined, error: unknown = null) => ({ text: typed, data, error });

  it("says nothing while nothing is typed", () => {
    expect(recipientNote("  ", { text: "", data: undefined, error: null }, "BR")).toBeNull();
  });

  it("says where the message goes once the engine has read the text", () => {
    expect(recipientNote(` ${typed} `, answered(reading), "BR")).toEqual({ kind: "reading", display: "+55 11 98765-4321" });
  });

  it("gives the engine's sentence when it refuses the text", () => {
    expect(recipientNote(typed, answered(undefined, refusal), "BR")).toEqual({ kind: "problem", problem: sentence });
    expect(recipientProblem(typed, answered(undefined, refusal))).toBe(sentence);
  });

  it("groups the typed number the default country's way until the engine has read it", () => {
    const earlier = { text: "(11) 98765-432", data: reading, error: null };
    expect(recipientNote("11987654321", earlier, "BR")).toEqual({ kind: "checking", typed: "(11) 98765-4321" });
    expect(recipientNote("11987654321", earlier, null)).toEqual({ kind: "checking", typed: "11987654321" });
    expect(recipientNote("120363025246125486@g.us", earlier, "BR")).toEqual({
      kind: "checking",
      typed: "120363025246125486@g.us",
    });
  });

  it("does not hold a refusal of earlier text against what is typed now", () => {
    const earlier = { text: "(11) 8765-4321", data: undefined, error: refusal };
    expect(recipientProblem(typed, earlier)).toBeNull();
    expect(recipientNote(typed, earlier, "BR")?.kind).toBe("checking");
  });

  it("stays quiet when the check failed for another reason than the recipient", () => {
    const failure = new ApiFailure({ code: "internal", message: "The engine is not ready." });
    expect(recipientProblem(typed, answered(undefined, failure))).toBeNull();
    expect(recipientNote(typed, answered(undefined, failure), "BR")).toBeNull();
    expect(recipientNote(typed, answered(reading, failure), "BR")).toEqual({ kind: "reading", display: reading.display });
  });
});

describe("presence note", () => {
  const answer = (presence: "on_whatsapp" | "not_on_whatsapp" | "checking" | "unknown", checkedAt: number | null = null) => ({
    jid: "5511900000004@s.whatsapp.net",
    display: "+55 11 90000-0004",
    presence,
    checkedAt,
  });

  it("warns of a number not on WhatsApp, saying when it was checked", () => {
    const note = presenceNote(answer("not_on_whatsapp", now - 60_000), now);
    expect(note?.tone).toBe("warning");
    expect(note?.text).toMatch(/^\+55 11 90000-0004 is not on WhatsApp \(checked .+\)\. A message to it would be refused\.$/);
  });

  it("says quietly that a check is under way or went well, and nothing when the provider cannot tell", () => {
    expect(presenceNote(answer("checking"), now)).toEqual({ tone: "quiet", text: "Checking whether it is on WhatsApp…" });
    expect(presenceNote(answer("on_whatsapp", now), now)?.tone).toBe("quiet");
    expect(presenceNote(answer("unknown"), now)).toBeNull();
    expect(presenceNote(undefined, now)).toBeNull();
  });
});

describe("text", () => {
  it("counts characters as the engine does, from the engine's limit", () => {
    expect(MAX_TEXT_CHARS).toBe(LIMITS.maxTextChars);
    // Each emoji is one character but two UTF-16 units: the whole limit of them is allowed.
    expect(validateCompose(form({ text: "😀".repeat(LIMITS.maxTextChars) }), now)).toBeNull();
    expect(validateCompose(form({ text: "😀".repeat(LIMITS.maxTextChars + 1) }), now)).toMatch(/at most/);
    expect(characterCount("Olá 😀")).toBe(5);
  });

  it("needs a text, trimmed, with an optional reply", () => {
    expect(validateCompose(form({ text: "  " }), now)).toMatch(/Write a message/);
    expect(validateCompose(form({ text: "x".repeat(4097) }), now)).toMatch(/4096/);
    expect(validateCompose(form({ text: "Olá" }), now)).toBeNull();
    expect(buildContent(form({ text: " Olá " }))).toEqual({ type: "text", text: "Olá", replyTo: null });
    expect(buildContent(form({ text: "Olá" }), "msg-1")).toEqual({ type: "text", text: "Olá", replyTo: "msg-1" });
  });
});

describe("media", () => {
  it("needs exactly one of a file and an http link", () => {
    expect(validateCompose(form({ type: "image" }), now)).toMatch(/Choose a file/);
    expect(validateCompose(form({ type: "image", mediaUrl: "ftp://x/y.png" }), now)).toMatch(/http/);
    expect(validateCompose(form({ type: "image", mediaUrl: "https://x/y.png", mediaPath: "/a.png" }), now)).toMatch(
      /not both/,
    );
    expect(validateCompose(form({ type: "video", mediaPath: "/home/me/clip.mp4" }), now)).toBeNull();
  });

  it("builds a media content with the kind from the type", () => {
    expect(buildContent(form({ type: "image", mediaUrl: " https://x/y.png ", caption: " Nova loja " }))).toEqual({
      type: "media",
      kind: "image",
      url: "https://x/y.png",
      path: null,
      caption: "Nova loja",
      fileName: null,
    });
    expect(buildContent(form({ type: "audio", mediaPath: "/a.ogg", caption: "ignored" }))).toMatchObject({
      kind: "audio",
      path: "/a.ogg",
      url: null,
      caption: null,
    });
  });

  it("shows a chosen file by its name", () => {
    expect(fileNameOf("/home/me/Fotos/loja.jpg")).toBe("loja.jpg");
    expect(fileNameOf("C:\\Users\\me\\nota.pdf")).toBe("nota.pdf");
  });
});

describe("location", () => {
  it("parses coordinates, with a decimal comma too", () => {
    expect(parseCoordinate("-23.5505")).toBe(-23.5505);
    expect(parseCoordinate("-46,6333")).toBe(-46.6333);
    expect(parseCoordinate("")).toBeNull();
    expect(parseCoordinate("north")).toBeNull();
    expect(parseCoordinate("1e3")).toBeNull();
  });

  it("checks ranges and builds the content", () => {
    expect(validateCompose(form({ type: "location", latitude: "", longitude: "1" }), now)).toMatch(/latitude and longitude/);
    expect(validateCompose(form({ type: "location", latitude: "91", longitude: "0" }), now)).toMatch(/-90 and 90/);
    expect(validateCompose(form({ type: "location", latitude: "0", longitude: "-181" }), now)).toMatch(/-180 and 180/);
    const place = form({ type: "location", latitude: "-23.5505", longitude: "-46.6333", placeName: " Loja ", address: "" });
    expect(validateCompose(place, now)).toBeNull();
    expect(buildContent(place)).toEqual({
      type: "location",
      latitude: -23.5505,
      longitude: -46.6333,
      name: "Loja",
      address: null,
    });
  });
});

describe("contact", () => {
  it("needs a name and a phone, and a plausible e-mail when given", () => {
    expect(validateCompose(form({ type: "contact", contactPhone: "+55 11 90000-0003" }), now)).toMatch(/name/);
    expect(validateCompose(form({ type: "contact", contactName: "Ana" }), now)).toMatch(/phone number/);
    expect(
      validateCompose(form({ type: "contact", contactName: "Ana", contactPhone: "+55 11 90000-0003", email: "ana@" }), now),
    ).toMatch(/e-mail/);
    const card = form({ type: "contact", contactName: " Ana ", contactPhone: "+55 11 90000-0003", organization: "Loja" });
    expect(validateCompose(card, now)).toBeNull();
    expect(buildContent(card)).toEqual({
      type: "contact",
      fullName: "Ana",
      phone: "+55 11 90000-0003",
      organization: "Loja",
      email: null,
    });
  });
});

describe("send later", () => {
  it("round-trips datetime-local values in local time", () => {
    const at = new Date(2025, 2, 10, 14, 30).getTime();
    expect(toDateTimeLocal(at)).toBe("2025-03-10T14:30");
    expect(fromDateTimeLocal("2025-03-10T14:30")).toBe(at);
    expect(fromDateTimeLocal("2025-02-30T10:00")).toBeNull();
    expect(fromDateTimeLocal("")).toBeNull();
  });

  it("refuses past or malformed times", () => {
    expect(validateSchedule("", now)).toBeNull();
    expect(validateSchedule("2025-03-10T13:00", now)).toBeNull();
    expect(validateSchedule("2025-03-10T11:00", now)).toMatch(/already passed/);
    expect(validateSchedule("tomorrow", now)).toMatch(/valid date/);
  });

  it("puts the time and a key on the request; only texts carry the reply", () => {
    const request = buildSendRequest("inst-1", form({ text: "Oi", schedule: "2025-03-10T13:00" }), "msg-1", "key-1");
    expect(request).toEqual({
      instanceId: "inst-1",
      to: "+55 11 90000-0002",
      content: { type: "text", text: "Oi", replyTo: "msg-1" },
      scheduledAt: new Date(2025, 2, 10, 13, 0).getTime(),
      idempotencyKey: "key-1",
    });
    const media = buildSendRequest("inst-1", form({ type: "document", mediaPath: "/a.pdf" }), "msg-1", null);
    expect(media.scheduledAt).toBeNull();
    expect(media.content).toMatchObject({ type: "media", kind: "document" });
  });
});

describe("composer state", () => {
  it("keeps the recipient and type after sending", () => {
    const sent = clearedAfterSend(form({ type: "image", mediaUrl: "https://x/y.png", caption: "c", schedule: "x" }));
    expect(sent).toEqual({ ...EMPTY_COMPOSE, type: "image", to: "+55 11 90000-0002" });
  });

  it("recognises types and makes distinct keys", () => {
    expect(isComposeType("document")).toBe(true);
    expect(isComposeType("sticker")).toBe(false);
    expect(newIdempotencyKey()).not.toBe(newIdempotencyKey());
  });

  it("replies in the same conversation, only to messages WhatsApp knows", () => {
    const base = {
      id: "msg-1",
      instanceId: "inst-1",
      chatJid: "5511900000002@s.whatsapp.net",
      contact: "+5511900000002",
      body: "Oi!",
      kind: "text",
      providerMessageId: "ABC",
    } as Message;
    expect(replyTargetOf(base)).toEqual({ messageId: "msg-1", instanceId: "inst-1", to: "+5511900000002", quote: "Oi!" });
    expect(replyTargetOf({ ...base, chatJid: "1203@g.us" })?.to).toBe("1203@g.us");
    expect(replyTargetOf({ ...base, body: null, kind: "image" })?.quote).toBe("(image)");
    expect(replyTargetOf({ ...base, providerMessageId: null })).toBeNull();
  });
});

describe("template sends", () => {
  const base = { ...EMPTY_COMPOSE, to: "+55 11 98765-4321", type: "template" as const };

  it("needs a template and every variable", () => {
    expect(validateCompose(base, 0)).toMatch(/Choose a template/);
    const chosen = { ...base, template: "order_shipped|en_US", templateVariables: ["Ana", " "] };
    expect(validateCompose(chosen, 0)).toMatch(/every variable/);
    expect(validateCompose({ ...chosen, templateVariables: ["Ana", "#1042"] }, 0)).toBeNull();
  });

  it("sends the name, language and trimmed values, and is offered only where templates are used", () => {
    const form = { ...base, template: "order_shipped|en_US", templateVariables: [" Ana ", "#1042"] };
    expect(buildContent(form)).toEqual({
      type: "template",
      name: "order_shipped",
      language: "en_US",
      variables: ["Ana", "#1042"],
    });
    expect(composeTypesFor(false).some((type) => type.value === "template")).toBe(false);
    expect(composeTypesFor(true).at(-1)?.value).toBe("template");
  });
});
