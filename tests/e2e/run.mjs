// End-to-end test of the desktop app: drives the real Tauri binary through
// tauri-driver against a fake Evolution API server.
//
// Environment:
//   APP_PATH            built Tauri binary (required)
//   FAKE_EVOLUTION_BIN  fake Evolution API server binary (required)
//   FAKE_CLOUD_BIN      fake Meta Cloud API (Graph) server binary (required)
//   SCREENSHOT_DIR      where screenshots and logs go (default tests/e2e/screenshots-out)
//   TAURI_DRIVER        tauri-driver executable (default "tauri-driver")
//   NATIVE_DRIVER       WebKit WebDriver executable (default /usr/bin/WebKitWebDriver)

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createWriteStream, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { remote } from "webdriverio";

const API_KEY = "e2e-global-key";
const DRIVER_PORT = 4444;
const WAIT = 20_000;
const POLL = 250;

const appPath = requiredEnv("APP_PATH");
const fakeBin = requiredEnv("FAKE_EVOLUTION_BIN");
const fakeCloudBin = requiredEnv("FAKE_CLOUD_BIN");
const screenshotDir = resolve(
  process.env.SCREENSHOT_DIR || fileURLToPath(new URL("./screenshots-out", import.meta.url)),
);
const tauriDriverBin = process.env.TAURI_DRIVER || "tauri-driver";
const nativeDriver = process.env.NATIVE_DRIVER || "/usr/bin/WebKitWebDriver";

mkdirSync(screenshotDir, { recursive: true });

const children = [];
let browser = null;
let fakeUrl = "";
let cloudUrl = "";
let passed = 0;
let failed = 0;
let skipped = 0;

function requiredEnv(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`${name} must be set`);
    process.exit(2);
  }
  return value;
}

const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

async function waitFor(what, condition, timeout = WAIT) {
  const deadline = Date.now() + timeout;
  let lastError = null;
  while (Date.now() < deadline) {
    try {
      const value = await condition();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    await sleep(POLL);
  }
  const cause = lastError ? ` (last error: ${lastError.message ?? lastError})` : "";
  throw new Error(`timed out after ${timeout} ms waiting for ${what}${cause}`);
}

function start(name, command, args) {
  const log = createWriteStream(join(screenshotDir, `${name}.log`));
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  child.on("error", (error) => log.write(`spawn error: ${error.message}\n`));
  children.push({ name, child, log });
  return child;
}

async function stop({ child, log }, signal) {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((done) => child.once("exit", done));
    child.kill(signal);
    const gone = await Promise.race([exited.then(() => true), sleep(5_000).then(() => false)]);
    if (!gone) child.kill("SIGKILL");
  }
  log.end();
}

function logTail(name, lines = 30) {
  try {
    const text = readFileSync(join(screenshotDir, `${name}.log`), "utf8").trimEnd().split("\n");
    return text.slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

async function fake(method, path, body) {
  return fakeAt(fakeUrl, method, path, body);
}

async function cloud(method, path, body) {
  return fakeAt(cloudUrl, method, path, body);
}

async function fakeAt(base, method, path, body) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  assert.ok(response.ok, `${method} ${path} answered ${response.status}: ${text}`);
  return text === "" ? null : JSON.parse(text);
}

// A GET with a chosen Host header, which fetch does not let a script set.
function getWithHost(url, host, headers = {}) {
  return new Promise((done, fail) => {
    const request = httpRequest(url, { method: "GET", headers: { ...headers, Host: host } }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk) => (body += chunk));
      response.on("end", () => done({ status: response.statusCode, body }));
    });
    request.setTimeout(10_000, () => request.destroy(new Error(`GET ${url} timed out`)));
    request.on("error", fail);
    request.end();
  });
}

const byTestId = (id) => browser.$(`[data-testid="${id}"]`);

// The text of an element as the page holds it (WebKit's driver reads truncated text as empty).
const contentOf = (selector) =>
  browser.execute((chosen) => document.querySelector(chosen)?.textContent ?? null, selector);

async function textOf(selector) {
  const element = await browser.$(selector);
  return (await element.isExisting()) ? await element.getText() : null;
}

// Types into an input or textarea; falls back to setting the value the way React notices when the
// driver's typing does not come out exactly (e.g. newlines in a textarea).
async function fill(testId, value) {
  const element = await byTestId(testId);
  await element.waitForDisplayed({ timeout: WAIT });
  // The driver refuses to type nothing; emptying goes the React way below.
  if (value !== "") await element.setValue(value);
  if ((await element.getValue()) === value && value !== "") return;
  await browser.execute(
    (id, text) => {
      const field = document.querySelector(`[data-testid="${id}"]`);
      const proto = field instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
      Object.getOwnPropertyDescriptor(proto, "value").set.call(field, text);
      field.dispatchEvent(new Event("input", { bubbles: true }));
    },
    testId,
    value,
  );
  await waitFor(`${testId} to hold the text`, async () => (await element.getValue()) === value);
}

// Chooses an option of a select; falls back to choosing it the way React notices when the driver's
// choice does not take.
async function choose(testId, value) {
  const element = await byTestId(testId);
  await element.waitForDisplayed({ timeout: WAIT });
  await element.selectByAttribute("value", value).catch(() => undefined);
  if ((await element.getValue()) === value) return;
  await browser.execute(
    (id, chosen) => {
      const field = document.querySelector(`[data-testid="${id}"]`);
      Object.getOwnPropertyDescriptor(HTMLSelectElement.prototype, "value").set.call(field, chosen);
      field.dispatchEvent(new Event("change", { bubbles: true }));
    },
    testId,
    value,
  );
  await waitFor(`${testId} to have ${value} chosen`, async () => (await element.getValue()) === value);
}

async function screenshot(name) {
  await browser.saveScreenshot(join(screenshotDir, name));
}

async function step(name, body) {
  if (failed > 0) {
    skipped += 1;
    console.log(`- skip ${name}`);
    return;
  }
  const started = Date.now();
  try {
    await body();
    passed += 1;
    console.log(`✓ ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  } catch (error) {
    failed += 1;
    console.log(`✗ ${name}: ${error?.message ?? error}`);
    if (browser) {
      await screenshot("failure.png").catch(() => undefined);
      await browser
        .getPageSource()
        .then((html) => createWriteStream(join(screenshotDir, "failure.html")).end(html))
        .catch(() => undefined);
    }
  }
}

async function run() {
  let messageId = "";

  await step("fake Evolution API and Cloud API servers start", async () => {
    fakeUrl = await listening(start("fake-evolution", fakeBin, ["--api-key", API_KEY]));
    cloudUrl = await listening(start("fake-cloud", fakeCloudBin, []));
  });

  async function listening(child) {
    return new Promise((done, fail) => {
      let buffer = "";
      const timer = setTimeout(() => fail(new Error("no 'listening on' line within 30 s")), 30_000);
      const onData = (chunk) => {
        buffer += chunk.toString();
        const match = buffer.match(/listening on (http:\/\/\S+)/);
        if (match) {
          clearTimeout(timer);
          child.stdout.off("data", onData);
          done(match[1].replace(/\/$/, ""));
        }
      };
      child.stdout.on("data", onData);
      child.once("exit", (code) => fail(new Error(`exited with ${code} before listening`)));
      child.once("error", fail);
    });
  }

  await step("tauri-driver is ready", async () => {
    const child = start("tauri-driver", tauriDriverBin, [
      "--port",
      String(DRIVER_PORT),
      "--native-driver",
      nativeDriver,
    ]);
    const exited = new Promise((_, fail) =>
      child.once("exit", (code) => fail(new Error(`tauri-driver exited with ${code}:\n${logTail("tauri-driver")}`))),
    );
    const ready = waitFor(
      "tauri-driver /status",
      async () => (await fetch(`http://127.0.0.1:${DRIVER_PORT}/status`)).ok,
      30_000,
    );
    await Promise.race([ready, exited]);
  });

  await step("app window opens", async () => {
    browser = await remote({
      hostname: "127.0.0.1",
      port: DRIVER_PORT,
      logLevel: "warn",
      connectionRetryTimeout: 120_000,
      connectionRetryCount: 0,
      capabilities: {
        "wdio:enforceWebDriverClassic": true,
        "tauri:options": { application: appPath },
      },
    });
    await byTestId("add-instance-button").waitForDisplayed({ timeout: 30_000 });
  });

  await step("a wrong API key is refused inside the dialog", async () => {
    await byTestId("add-instance-button").click();
    await byTestId("display-name").waitForDisplayed({ timeout: WAIT });
    await byTestId("display-name").setValue("Loja Exemplo");
    assert.ok(await byTestId("provider-native").isSelected(), "this computer is offered first");
    await byTestId("provider-evolution").click();
    await byTestId("server-url").waitForDisplayed({ timeout: WAIT });
    await byTestId("server-url").setValue(fakeUrl);
    await byTestId("api-key").setValue("wrong");
    await byTestId("add-instance-submit").click();
    const message = await waitFor(
      "form-error mentioning the API key",
      async () => {
        const text = await textOf('[data-testid="form-error"]');
        return text && text.includes("API key") ? text : null;
      },
    );
    assert.ok(await byTestId("display-name").isDisplayed(), "the dialog should stay open");
    assert.ok(!message.trim().startsWith("{"), `error should be a sentence, got ${message}`);
    await screenshot("00-bad-key.png");
  });

  await step("adding the instance shows a QR code", async () => {
    await byTestId("api-key").setValue(API_KEY);
    await byTestId("add-instance-submit").click();
    await byTestId("qr-image").waitForDisplayed({ timeout: WAIT });
    assert.equal(await byTestId("display-name").isExisting(), false, "the dialog should close");
    const row = await browser.$('[data-testid="instance-row"]');
    assert.ok(await row.isExisting(), "the sidebar lists the new instance");
    assert.match(await row.getText(), /Loja Exemplo/);
    await screenshot("01-qr.png");
  });

  await step("the instance connects when the server reports it open", async () => {
    await fake("POST", "/__fake/instances/latest/open", { profileName: "Loja Exemplo", number: "5511900000001" });
    await waitFor('status "Connected" and the profile name', async () => {
      const badge = await textOf('[data-testid="instance-detail"] [data-testid="status-badge"]');
      const profile = await textOf('[data-testid="profile-name"]');
      return badge === "Connected" && profile !== null && profile.includes("Loja Exemplo");
    });
    await waitFor("the sidebar row to be connected", async () => {
      const row = await browser.$('[data-testid="instance-row"]');
      return (await row.getAttribute("data-status")) === "connected";
    });
    await screenshot("02-connected.png");
  });

  await step("Brazil is chosen as the default country", async () => {
    await byTestId("tab-settings").click();
    await byTestId("settings-country").waitForDisplayed({ timeout: WAIT });
    await waitFor("the list of countries", async () =>
      browser.execute(() => document.querySelectorAll('[data-testid="settings-country"] option').length > 100),
    );
    await choose("settings-country", "BR");
    const label = await browser.execute(
      () => document.querySelector('[data-testid="settings-country"]')?.selectedOptions[0]?.text ?? null,
    );
    assert.match(label ?? "", /\(\+55\)$/, `the option shows the calling code, got ${label}`);
    await byTestId("settings-save").click();
    await byTestId("settings-saved").waitForDisplayed({ timeout: WAIT });
    await byTestId("settings-country").scrollIntoView();
    await screenshot("02a-settings-country.png");
    await byTestId("tab-instances").click();
    await byTestId("composer-to").waitForDisplayed({ timeout: WAIT });
  });

  await step("the composer refuses a number the engine does not accept", async () => {
    await byTestId("composer-text").setValue("Olá Maria! Seu pedido #1042 foi enviado hoje.");
    await byTestId("composer-to").setValue("(11) 8765-4321");
    const problem = await waitFor("the engine's reason under the recipient", async () =>
      textOf('[data-testid="composer-to-problem"]'),
    );
    assert.match(problem, /Did you mean \+55 11 98765-4321\?/);
    await screenshot("02b-composer-refused.png");
    await byTestId("composer-send").click();
    const error = await waitFor("the reason in the form", async () => textOf('[data-testid="form-error"]'));
    assert.equal(error, problem, "sending shows the reason instead");
    assert.deepEqual(await fake("GET", "/__fake/sent"), [], "nothing reaches the server");
  });

  await step("a text message typed the local way is sent through the server", async () => {
    await byTestId("composer-to").setValue("(11) 90000-0002");
    const reading = await waitFor("where the message goes", async () => textOf('[data-testid="composer-to-reading"]'));
    assert.equal(reading, "Sends to +55 11 90000-0002");
    await byTestId("composer-send").click();
    const sent = await waitFor("the fake server to receive the message", async () => {
      const list = await fake("GET", "/__fake/sent");
      return Array.isArray(list) && list.length > 0 ? list : null;
    });
    messageId = sent[0].id;
    assert.ok(messageId, "the fake server assigned a message id");
    await waitFor("the composer to clear", async () => (await byTestId("composer-text").getValue()) === "");
    await byTestId("composer-result").waitForDisplayed({ timeout: WAIT });
    await byTestId("composer-text").setValue("O");
    await waitFor("the note about the last message to go", async () => !(await byTestId("composer-result").isExisting()));
    await byTestId("composer-text").clearValue();
    await byTestId("tab-messages").click();
    await byTestId("message-log").waitForDisplayed({ timeout: WAIT });
    await waitFor(
      'a message row with status "sent"',
      async () => (await browser.$('[data-testid="message-row"][data-status="sent"]')).isExisting(),
    );
    const row = await browser.$('[data-testid="message-row"][data-status="sent"]');
    assert.match(await row.getText(), /Seu pedido #1042/);
    await screenshot("03-sent.png");
  });

  await step("a delivery receipt marks the message delivered", async () => {
    await fake("POST", "/__fake/instances/latest/receipt", { id: messageId, status: "DELIVERY_ACK" });
    await waitFor(
      'the message row to become "delivered"',
      async () => (await browser.$('[data-testid="message-row"][data-status="delivered"]')).isExisting(),
    );
    const pill = await textOf('[data-testid="message-row"][data-status="delivered"] [data-testid="message-status"]');
    assert.equal(pill, "Delivered");
    await screenshot("04-delivered.png");
  });

  await step("the number's page says how its events arrive and changes its profile", async () => {
    await byTestId("tab-instances").click();
    await byTestId("event-path").waitForDisplayed({ timeout: WAIT });
    const path = await textOf('[data-testid="event-path"]');
    assert.match(path ?? "", /by webhook/, `the event path, got ${path}`);
    await byTestId("profile-toggle").click();
    const name = await byTestId("profile-name-input");
    await name.waitForDisplayed({ timeout: WAIT });
    await waitFor("the profile's name from the server", async () => (await name.getValue()) === "Loja Exemplo");
    await fill("profile-about-input", "Atendimento das 9h às 18h");
    await byTestId("profile-save").click();
    await byTestId("profile-saved").waitForDisplayed({ timeout: WAIT });
    // The field now holds what the server answers when the profile is read again.
    assert.equal(await byTestId("profile-about-input").getValue(), "Atendimento das 9h às 18h");
    await byTestId("profile-card").scrollIntoView();
    await screenshot("04a-profile.png");
    await byTestId("profile-toggle").click();
    await byTestId("tab-messages").click();
  });

  await step("a customer's message appears as an unread conversation, and a reply with Enter is delivered", async () => {
    await fake("POST", "/__fake/instances/latest/inbound", { id: "IN-1042", text: "Oi! O pedido 1042 já saiu?" });
    await byTestId("tab-conversations").click();
    await byTestId("conversation-list").waitForDisplayed({ timeout: WAIT });
    const badge = await waitFor("the unread badge on the conversation", async () =>
      contentOf('[data-testid="conversation-row"] [data-testid="conversation-unread"]'),
    );
    assert.equal(badge, "1");
    await waitFor("the tab to count it too", async () => (await textOf('[data-testid="tab-unread"]')) === "1");
    assert.equal(await contentOf('[data-testid="conversation-row"] [data-testid="conversation-name"]'), "Maria Souza");
    assert.match(await contentOf('[data-testid="conversation-preview"]'), /pedido 1042/);
    await screenshot("04b-conversation-unread.png");

    await (await browser.$('[data-testid="conversation-row"]')).click();
    await byTestId("thread").waitForDisplayed({ timeout: WAIT });
    await waitFor("the conversation to be read", async () => !(await byTestId("tab-unread").isExisting()));
    const bubbles = await browser.$$('[data-testid="bubble"]');
    assert.ok(bubbles.length >= 2, "the earlier message and the customer's");
    assert.equal(await contentOf('[data-testid="day-separator"]'), "Today");

    const before = (await fake("GET", "/__fake/sent")).length;
    await byTestId("thread-text").setValue("Saiu sim! Chega amanhã.");
    await browser.keys("Enter");
    const sent = await waitFor("the reply to reach the server", async () => {
      const list = await fake("GET", "/__fake/sent");
      return list.length > before ? list[list.length - 1] : null;
    });
    assert.equal(sent.body.text, "Saiu sim! Chega amanhã.");
    await waitFor("the composer to clear", async () => (await byTestId("thread-text").getValue()) === "");
    await fake("POST", "/__fake/instances/latest/receipt", { id: sent.id, status: "DELIVERY_ACK" });
    await waitFor("two ticks on the reply", async () =>
      browser.execute(() => {
        const outs = [...document.querySelectorAll('[data-testid="bubble"][data-direction="outbound"]')];
        return outs.at(-1)?.querySelector('[data-testid="ticks"]')?.getAttribute("data-ticks") === "delivered";
      }),
    );
    await screenshot("04c-conversation-replied.png");
  });

  await step("search finds the message and a label filters the conversations", async () => {
    await fill("conversation-search", "1042");
    const result = await waitFor("a search result", async () => {
      const found = await browser.$('[data-testid="search-result"]');
      return (await found.isExisting()) ? found : null;
    });
    assert.match(await contentOf('[data-testid="search-result"]'), /1042/);
    await result.click();
    await waitFor("the found message marked in its conversation", async () =>
      browser.execute(() => document.querySelector('[data-testid="bubble"] mark')?.textContent === "1042"),
    );
    await screenshot("04d-conversation-search.png");
    await fill("conversation-search", "");

    await byTestId("contact-edit").click();
    await fill("contact-labels", "VIP");
    await fill("contact-notes-input", "Prefere entrega à tarde");
    await byTestId("contact-save").click();
    await waitFor("the label on the conversation", async () =>
      (await contentOf('[data-testid="thread-header"]'))?.includes("VIP"),
    );
    const vip = await waitFor("the label to be offered as a filter", async () =>
      browser.execute(
        () => [...document.querySelectorAll('[data-testid="conversation-filter-label"] option')].find((o) => o.textContent === "VIP")?.value ?? null,
      ),
    );
    await choose("conversation-filter-label", vip);
    await waitFor("only labelled conversations", async () => (await browser.$$('[data-testid="conversation-row"]')).length === 1);
    await screenshot("04e-conversation-label.png");
    await choose("conversation-filter-label", "");
  });

  await step("with read receipts on, opening a conversation tells the customer", async () => {
    await byTestId("tab-instances").click();
    await byTestId("read-receipts-card").scrollIntoView();
    await byTestId("read-receipts-switch").click();
    await waitFor("the switch to be on, as saved", async () => {
      const control = await byTestId("read-receipts-switch");
      return (await control.isSelected()) && (await control.isEnabled());
    });
    // The saved value comes back with the number's next refresh.
    await waitFor("the number to say so", async () =>
      browser.execute(() => document.querySelector('[data-testid="read-receipts-switch"]')?.checked === true),
    );
    await screenshot("04f-read-receipts.png");
    await fake("POST", "/__fake/instances/latest/inbound", { id: "IN-1043", text: "E o 1043?" });
    // The conversation is still open from before: showing it again reads the new message.
    await byTestId("tab-conversations").click();
    await byTestId("thread").waitForDisplayed({ timeout: WAIT });
    const marks = await waitFor("the server to be asked for a read receipt", async () => {
      const list = await fake("GET", "/__fake/read-marks");
      return list.some((m) => m.id === "IN-1043") ? list : null;
    });
    assert.ok(!marks.some((m) => m.id === "IN-1042"), "only what was unread");
  });

  await step("a reply to a bubble goes out quoting it and shows the quote", async () => {
    // The Reply button shows on hover; a script presses it as a pointer would.
    await browser.execute(() => {
      const inbound = [...document.querySelectorAll('[data-testid="bubble"][data-direction="inbound"]')].at(-1);
      inbound?.querySelector('[data-testid="bubble-reply"]')?.click();
    });
    await byTestId("thread-reply").waitForDisplayed({ timeout: WAIT });
    const before = (await fake("GET", "/__fake/sent")).length;
    await byTestId("thread-text").setValue("Sai amanhã também!");
    await browser.keys("Enter");
    const sent = await waitFor("the quoted reply to reach the server", async () => {
      const list = await fake("GET", "/__fake/sent");
      return list.length > before ? list[list.length - 1] : null;
    });
    assert.equal(sent.body.quoted?.key?.id, "IN-1043", `the reply quotes the customer's message: ${JSON.stringify(sent.body)}`);
    await waitFor("the quote above the reply", async () =>
      browser.execute(() => {
        const outs = [...document.querySelectorAll('[data-testid="bubble"][data-direction="outbound"]')];
        return outs.at(-1)?.querySelector('[data-testid="bubble-quote"]')?.textContent?.includes("E o 1043?") ?? false;
      }),
    );
    await screenshot("04g-conversation-quoted.png");
  });

  await step("a campaign previews its problems and sends the valid rows", async () => {
    await byTestId("tab-campaigns").click();
    await byTestId("new-campaign").waitForDisplayed({ timeout: WAIT });
    await byTestId("new-campaign").click();
    await byTestId("campaign-dialog").waitForDisplayed({ timeout: WAIT });
    // The connected instance is preselected; choosing it again must keep it so.
    await (await byTestId("campaign-instance")).selectByVisibleText("Loja Exemplo").catch(() => undefined);
    const chosen = await browser.execute(
      () => document.querySelector('[data-testid="campaign-instance"]')?.selectedOptions[0]?.text ?? null,
    );
    assert.equal(chosen, "Loja Exemplo", "the connected instance is chosen");
    await fill("campaign-name", "Pedidos");
    await fill("campaign-csv", "nome,telefone\nAna,5511900000005\nBruno,não tenho\n");
    await fill("campaign-template", "Olá {{nome}}!");
    await byTestId("campaign-preview").click();
    const problem = await waitFor("a problem row for line 3", async () => {
      const row = await browser.$('[data-testid="campaign-problem"][data-line="3"]');
      return (await row.isExisting()) ? row : null;
    });
    assert.match(await problem.getText(), /Line 3/);
    const sample = await textOf('[data-testid="campaign-sample"]');
    assert.ok(sample && sample.includes("Olá Ana!"), `the sample shows the rendered template, got ${sample}`);
    assert.equal(await (await byTestId("campaign-valid")).getAttribute("data-count"), "1");
    await screenshot("05-campaign-preview.png");
    await byTestId("campaign-start").waitForEnabled({ timeout: WAIT });
    await byTestId("campaign-start").click();
    await waitFor("the campaign dialog to close", async () => !(await byTestId("campaign-dialog").isExisting()));
    await waitFor(
      'the campaign progress to read "1 / 1"',
      async () => (await textOf('[data-testid="campaign-row"] [data-testid="campaign-progress"]')) === "1 / 1",
      30_000,
    );
    const sent = await fake("GET", "/__fake/sent");
    assert.ok(
      sent.some((message) => JSON.stringify(message.body).includes("Olá Ana!")),
      "the fake server received the campaign message",
    );
    await screenshot("06-campaign-done.png");
  });

  await step("statistics count today's sent messages", async () => {
    await byTestId("tab-stats").click();
    await byTestId("stats-table").waitForDisplayed({ timeout: WAIT });
    await waitFor("a statistics row with at least 2 sent", async () =>
      browser.execute(() =>
        Array.from(document.querySelectorAll('[data-testid="stats-table"] [data-testid="stats-row"]')).some(
          (row) => Number(row.getAttribute("data-sent")) >= 2,
        ),
      ),
    );
    await screenshot("07-stats.png");
  });

  await step("WhatsApp refusing the number's sends pauses it until a person resumes", async () => {
    await fake("POST", "/__fake/instances/latest/rate-overlimit", { on: true });
    await byTestId("tab-instances").click();
    await byTestId("composer-to").waitForDisplayed({ timeout: WAIT });
    await byTestId("composer-to").setValue("(11) 90000-0007");
    await byTestId("composer-text").setValue("Promoção de hoje!");
    await byTestId("composer-send").click();
    await byTestId("sending-paused").waitForDisplayed({ timeout: WAIT });
    assert.match(await contentOf('[data-testid="sending-paused"]'), /rate-overlimit/);
    await byTestId("instance-sending-paused").waitForDisplayed({ timeout: WAIT });
    await screenshot("07b-sending-paused.png");
    const before = (await fake("GET", "/__fake/sent")).length;
    await fake("POST", "/__fake/instances/latest/rate-overlimit", { on: false });
    await byTestId("resume-sending").click();
    await waitFor("the held message to go out", async () => {
      const list = await fake("GET", "/__fake/sent");
      return list.length > before && list[list.length - 1].body.text === "Promoção de hoje!";
    });
    await waitFor("the pause to end", async () => !(await byTestId("sending-paused").isExisting()));
  });

  await step("the same text to the same person again is held until confirmed", async () => {
    await byTestId("composer-to").setValue("(11) 90000-0007");
    await byTestId("composer-text").setValue("Promoção de hoje!");
    await byTestId("composer-send").click();
    await byTestId("composer-send-anyway").waitForDisplayed({ timeout: WAIT });
    assert.match(await contentOf('[data-testid="form-error"]'), /same text went to \+55 11 90000-0007/);
    await screenshot("07c-repeat-held.png");
    const before = (await fake("GET", "/__fake/sent")).length;
    await byTestId("composer-send-anyway").click();
    await waitFor("the confirmed repeat to go out", async () => (await fake("GET", "/__fake/sent")).length > before);
  });

  await step("an away message answers a customer who writes outside business hours, marked automatic", async () => {
    await byTestId("auto-reply-add").waitForDisplayed({ timeout: WAIT });
    await byTestId("auto-reply-add").click();
    await byTestId("auto-reply-editor").waitForDisplayed({ timeout: WAIT });
    await (await byTestId("auto-reply-trigger")).selectByAttribute("value", "away");
    await byTestId("auto-reply-hours").waitForDisplayed({ timeout: WAIT });
    // Closed every day, so that whatever the hour of this run the customer writes outside them.
    await browser.execute(() => {
      for (const box of document.querySelectorAll('[data-testid="auto-reply-day"] input[type="checkbox"]')) {
        if (box.checked) box.click();
      }
    });
    await waitFor("every day to read closed", async () =>
      browser.execute(() => document.querySelectorAll('[data-testid="auto-reply-day"] input[type="time"]').length === 0),
    );
    await fill("auto-reply-text", "Estamos fechados agora; respondemos amanhã às 9h.");
    await screenshot("07d-auto-reply-editor.png");
    await byTestId("auto-reply-save").click();
    await byTestId("auto-reply-rule").waitForDisplayed({ timeout: WAIT });
    assert.match(await contentOf('[data-testid="auto-reply-rule"]'), /Away message \(closed every day\)/);
    await fill("auto-reply-try", "Vocês abrem hoje?");
    await byTestId("auto-reply-try-button").click();
    await byTestId("auto-reply-verdict").waitForDisplayed({ timeout: WAIT });
    assert.match(await contentOf('[data-testid="auto-reply-verdict"]'), /Rule 1 \(away message/);
    await screenshot("07e-auto-reply-rule.png");

    const before = (await fake("GET", "/__fake/sent")).length;
    await fake("POST", "/__fake/instances/latest/inbound", { id: "IN-AWAY-1", text: "Vocês abrem hoje?" });
    const sent = await waitFor("the automatic reply to reach the server", async () => {
      const list = await fake("GET", "/__fake/sent");
      return list.length > before ? list[list.length - 1] : null;
    });
    assert.equal(sent.body.text, "Estamos fechados agora; respondemos amanhã às 9h.");
    await byTestId("tab-conversations").click();
    await (await browser.$('[data-testid="conversation-row"]')).waitForDisplayed({ timeout: WAIT });
    await (await browser.$('[data-testid="conversation-row"]')).click();
    await byTestId("thread").waitForDisplayed({ timeout: WAIT });
    const automatic = await waitFor("the reply in the conversation, marked automatic", async () =>
      browser.execute(() => {
        const outs = [...document.querySelectorAll('[data-testid="bubble"][data-direction="outbound"]')];
        const last = outs.at(-1);
        return last?.querySelector('[data-testid="bubble-automatic"]') ? last.textContent : null;
      }),
    );
    assert.match(automatic, /respondemos amanhã às 9h/);
    await screenshot("07f-auto-reply-conversation.png");

    // Off again, so that the customers of the steps below are answered by hand.
    await byTestId("tab-instances").click();
    await (await browser.$('[data-testid="auto-reply-rule"] input[role="switch"]')).waitForDisplayed({ timeout: WAIT });
    await (await browser.$('[data-testid="auto-reply-rule"] input[role="switch"]')).click();
    await waitFor("the rule to be off", async () =>
      browser.execute(() => document.querySelector('[data-testid="auto-reply-rule"] input[role="switch"]')?.checked === false),
    );
  });

  let apiBase = "";
  let apiSecret = "";
  let apiInstanceId = "";

  await step("a local app gets an API key for the connected instance", async () => {
    await byTestId("tab-api").click();
    await byTestId("new-api-key").waitForDisplayed({ timeout: WAIT });
    apiBase = await waitFor("the API address to show an http:// address", async () => {
      const match = (await textOf('[data-testid="api-address"]'))?.match(/http:\/\/\S+/);
      return match ? match[0].replace(/\/$/, "") : null;
    });
    await byTestId("new-api-key").click();
    await byTestId("api-key-dialog").waitForDisplayed({ timeout: WAIT });
    await fill("api-key-name", "Loja script");
    apiInstanceId = await browser.execute(() => {
      const boxes = Array.from(document.querySelectorAll('[data-testid="api-key-instance"]'));
      const box = boxes.find((item) => item.closest("label")?.textContent?.includes("Loja Exemplo"));
      return box?.getAttribute("data-instance-id") ?? null;
    });
    assert.ok(apiInstanceId, "the dialog offers the connected instance");
    const box = await browser.$(`[data-testid="api-key-instance"][data-instance-id="${apiInstanceId}"]`);
    if (!(await box.isSelected())) await box.click();
    await waitFor("the instance to be ticked", async () => box.isSelected());
    await byTestId("api-key-create").click();
    await byTestId("api-key-secret").waitForDisplayed({ timeout: WAIT });
    apiSecret = (await byTestId("api-key-secret").getText()).replace(/\s+/g, "");
    assert.match(apiSecret, /^sbk_\w+$/, `the one-time secret is a key, got ${apiSecret}`);
    const warning = await textOf('[data-testid="api-key-created"]');
    assert.ok(warning?.includes("Copy this key now: it will not be shown again."), "the dialog warns the key is shown once");
    await screenshot("08-api-key.png");
    await byTestId("api-key-done").click();
    await waitFor("the key dialog to close", async () => !(await byTestId("api-key-created").isExisting()));
    const row = await waitFor("the new key in the list", async () => {
      const rows = await browser.$$('[data-testid="api-key-row"]');
      for (const item of rows) if ((await item.getText()).includes("Loja script")) return item;
      return null;
    });
    assert.match(await row.getText(), new RegExp(`sbk_${apiSecret.slice(4, 8)}`), "the row shows the key's prefix");
  });

  await step("the local API sends with the key, once per idempotency key", async () => {
    const send = async () => {
      const response = await fetch(`${apiBase}/v1/messages`, {
        method: "POST",
        headers: {
          Authorization: `Bearer ${apiSecret}`,
          "Content-Type": "application/json",
          "Idempotency-Key": "e2e-1",
        },
        body: JSON.stringify({ to: "+55 11 90000-0006", content: { type: "text", text: "Enviado pelo script" } }),
      });
      const text = await response.text();
      return { status: response.status, text, body: text ? JSON.parse(text) : null };
    };
    const first = await send();
    assert.equal(first.status, 202, `POST /v1/messages answered ${first.status}: ${first.text}`);
    assert.ok(first.body?.id, `the answer carries the message id: ${first.text}`);
    const again = await send();
    assert.ok(again.status >= 200 && again.status < 300, `the repeat answered ${again.status}: ${again.text}`);
    assert.equal(again.body?.id, first.body.id, "the same Idempotency-Key returns the first message");

    const instances = await fetch(`${apiBase}/v1/instances`, { headers: { Authorization: `Bearer ${apiSecret}` } });
    const listText = await instances.text();
    assert.equal(instances.status, 200, `GET /v1/instances answered ${instances.status}: ${listText}`);
    const list = JSON.parse(listText);
    assert.ok(Array.isArray(list) && list.length === 1, `the key sees exactly one instance: ${listText}`);
    assert.equal(list[0].id, apiInstanceId, "the key sees the instance it was given");

    const foreign = await getWithHost(`${apiBase}/v1/instances`, "evil.example.com", {
      Authorization: `Bearer ${apiSecret}`,
    });
    assert.equal(foreign.status, 403, `a foreign Host header answered ${foreign.status}: ${foreign.body}`);

    await byTestId("tab-messages").click();
    await byTestId("message-log").waitForDisplayed({ timeout: WAIT });
    await waitFor('the API message in the log as "sent" or later', async () =>
      browser.execute(() =>
        Array.from(document.querySelectorAll('[data-testid="message-row"]')).some(
          (row) =>
            row.textContent.includes("Enviado pelo script") &&
            ["sent", "delivered", "read"].includes(row.getAttribute("data-status")) &&
            (row.getAttribute("data-source") ?? "").startsWith("api"),
        ),
      ),
    );
    const sent = await fake("GET", "/__fake/sent");
    const copies = sent.filter((message) => JSON.stringify(message.body).includes("Enviado pelo script"));
    assert.equal(copies.length, 1, "the fake server received the API message exactly once");
    await screenshot("09-api-message.png");
  });

  await step("an official Cloud API number is added, gets its webhook, and answers a customer", async () => {
    await byTestId("tab-instances").click();
    await byTestId("add-instance-button").click();
    await byTestId("display-name").waitForDisplayed({ timeout: WAIT });
    await byTestId("display-name").setValue("Loja Oficial");
    await byTestId("provider-cloud").click();
    await byTestId("cloud-access-token").waitForDisplayed({ timeout: WAIT });
    await byTestId("cloud-access-token").setValue("not-the-token");
    await byTestId("cloud-phone-number-id").setValue("100000000000001");
    await byTestId("cloud-business-account-id").setValue("200000000000002");
    await byTestId("cloud-app-secret").setValue("e2e-app-secret");
    await (await browser.$('[data-testid="cloud-advanced"] summary')).click();
    await byTestId("cloud-graph-url").setValue(cloudUrl);
    await byTestId("add-instance-submit").click();
    const refused = await waitFor("a sentence about the access token", async () => {
      const text = await textOf('[data-testid="form-error"]');
      return text && text.includes("access token") ? text : null;
    });
    assert.ok(!refused.includes("{"), `a sentence, got ${refused}`);
    await screenshot("11a-cloud-bad-token.png");
    await fill("cloud-access-token", "e2e-cloud-token");
    await byTestId("add-instance-submit").click();
    await byTestId("manual-webhook-card").waitForDisplayed({ timeout: WAIT });
    await waitFor('status "Connected" with the verified name', async () => {
      const badge = await textOf('[data-testid="instance-detail"] [data-testid="status-badge"]');
      const header = await textOf('[data-testid="instance-detail"]');
      return badge === "Connected" && header !== null && header.includes("Loja Demo");
    });
    const callbackUrl = await contentOf('[data-testid="callback-url"]');
    const verifyToken = await contentOf('[data-testid="verify-token"]');
    assert.match(callbackUrl, /\/webhooks\/cloud\//);
    await screenshot("11b-cloud-connected.png");
    // What a person does in Meta's App Dashboard: Meta checks the callback with the verify token.
    await cloud("POST", "/__fake/subscribe", { wabaId: "200000000000002", callbackUrl, verifyToken });

    // Nobody has written yet: a template is the way to reach the customer.
    await choose("composer-type", "template");
    await byTestId("composer-template-sync").click();
    await waitFor("the synced templates", async () =>
      browser.execute(() =>
        [...document.querySelectorAll('[data-testid="composer-template"] option')].some(
          (option) => option.value === "order_shipped|en_US",
        ),
      ),
    );
    await choose("composer-template", "order_shipped|en_US");
    await byTestId("composer-template-variable-2").waitForDisplayed({ timeout: WAIT });
    await fill("composer-to", "+55 11 98765-4321");
    await fill("composer-template-variable-1", "Ana");
    await fill("composer-template-variable-2", "#1042");
    await screenshot("11c-cloud-template.png");
    await byTestId("composer-send").click();
    const template = await waitFor("the template to reach Meta", async () => {
      const list = await cloud("GET", "/__fake/sent");
      return list.find((message) => message.body?.type === "template") ?? null;
    });
    assert.equal(template.body.template.name, "order_shipped");
    assert.equal(template.body.template.components[0].parameters[1].text, "#1042");

    await cloud("POST", "/__fake/customer-writes", {
      phoneNumberId: "100000000000001",
      from: "5511987654321",
      name: "Ana Lima",
      message: { type: "text", text: { body: "Olá! Vocês entregam no sábado?" } },
    });
    await byTestId("tab-conversations").click();
    // WebKit reads truncated text as empty through getText: the row is found by its content.
    const index = await waitFor("Ana's conversation", async () => {
      const found = await browser.execute(() =>
        [...document.querySelectorAll('[data-testid="conversation-row"]')].findIndex((row) =>
          row.textContent.includes("Ana Lima"),
        ),
      );
      return found >= 0 ? found + 1 : null;
    });
    await (await browser.$$('[data-testid="conversation-row"]'))[index - 1].click();
    await byTestId("thread").waitForDisplayed({ timeout: WAIT });
    assert.equal(await byTestId("reply-window").getAttribute("data-open"), "true", "the customer just wrote");
    await byTestId("thread-text").setValue("Entregamos sim, das 9h às 13h.");
    await browser.keys("Enter");
    const sent = await waitFor("the reply to reach Meta", async () => {
      const list = await cloud("GET", "/__fake/sent");
      return list.find((message) => message.body?.text?.body === "Entregamos sim, das 9h às 13h.") ?? null;
    });
    assert.equal(sent.body.to, "5511987654321");
    await cloud("POST", "/__fake/status", { wamid: sent.wamid, status: "delivered" });
    await waitFor("two ticks on the reply", async () =>
      browser.execute(() => {
        const outs = [...document.querySelectorAll('[data-testid="bubble"][data-direction="outbound"]')];
        return outs.at(-1)?.querySelector('[data-testid="ticks"]')?.getAttribute("data-ticks") === "delivered";
      }),
    );
    await screenshot("11d-cloud-conversation.png");
  });

  await step("start with my computer adds a login item and takes it away", async () => {
    const autostart = join(process.env.HOME ?? "/root", ".config", "autostart");
    const entries = () => {
      try {
        return readdirSync(autostart)
          .map((file) => readFileSync(join(autostart, file), "utf8"))
          .filter((text) => text.includes(appPath));
      } catch {
        return [];
      }
    };
    await byTestId("tab-settings").click();
    const toggle = await byTestId("settings-start-with-computer");
    await toggle.waitForEnabled({ timeout: WAIT });
    assert.equal(await toggle.isSelected(), false, "off until a person turns it on");
    await toggle.click();
    await waitFor("the switch to be on", async () => toggle.isSelected());
    await waitFor("a login item that opens the app in the tray", async () =>
      entries().some((text) => text.includes("--hidden")),
    );
    await sleep(300); // the switch's knob slides
    await screenshot("10-start-with-computer.png");
    await toggle.click();
    await waitFor("the switch to be off", async () => !(await toggle.isSelected()));
    await waitFor("the login item to be gone", async () => entries().length === 0);
    await byTestId("tab-instances").click();
  });

  await step("a second launch hands over to the running window and exits", async () => {
    const second = spawn(appPath, [], { env: process.env, stdio: "ignore" });
    const code = await new Promise((done, fail) => {
      const timer = setTimeout(() => {
        second.kill("SIGKILL");
        fail(new Error("the second copy kept running"));
      }, WAIT);
      second.once("exit", (exitCode) => {
        clearTimeout(timer);
        done(exitCode);
      });
    });
    assert.equal(code, 0, "the second copy exits cleanly");
    assert.equal(await byTestId("tab-messages").isDisplayed(), true, "the first window is still there");
  });
}

async function cleanup() {
  if (browser) await browser.deleteSession().catch(() => undefined);
  browser = null;
  for (const entry of [...children].reverse()) {
    await stop(entry, entry.name.startsWith("fake-") ? "SIGINT" : "SIGTERM");
  }
}

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => {
    console.log(`interrupted by ${signal}`);
    cleanup().finally(() => process.exit(130));
  });
}

try {
  await run();
} catch (error) {
  failed += 1;
  console.log(`✗ unexpected error: ${error?.stack ?? error}`);
} finally {
  await cleanup();
}

if (failed > 0) {
  for (const { name } of children) console.log(`--- last lines of ${name}.log ---\n${logTail(name)}`);
}
console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 ? 1 : 0);
