import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { CloseCode, isFatalCloseCode } from "@videocall/protocol";
import { failureMessage } from "../call/failure-message.ts";
import { pickLocale, t, translate } from "./i18n.ts";
import { en } from "./messages.en.ts";

Deno.test("t fills the placeholders of a message", () => {
  strictEqual(t("banner.reconnecting", { attempt: 3 }), "Connection lost — reconnecting (attempt 3)…");
  strictEqual(t("toolbar.join"), "Join");
});

Deno.test("a language without a catalogue falls back to English", () => {
  strictEqual(pickLocale(["xx-YY", "zz"]).lang, "en");
  strictEqual(pickLocale(["en-GB"]).dir, "ltr");
});

/** The texts agreed in /work/plan/limits-spec.md (issue 8), per close code. */
const AGREED: Record<number, string> = {
  [CloseCode.meetingFull]: "This meeting is full.",
  [CloseCode.serverFull]: "This server is busy: too many meetings right now. Try again in a minute.",
  [CloseCode.rateLimited]: "You were disconnected for sending too much data.",
  [CloseCode.tooManyConnections]: "Too many connections from your network.",
  [CloseCode.handshakeTimeout]: "The connection took too long to start.",
  [CloseCode.tooManyStreams]: "Your browser opened too many streams.",
  [CloseCode.messageTooBig]: "A packet was too large.",
  [CloseCode.internalError]: "The server hit an internal error with your connection.",
  [CloseCode.slowSubscriber]: "Your connection was too slow to keep up with the meeting.",
};

Deno.test("each limit's close code is explained in the agreed words, whatever the server's reason text", () => {
  for (const [code, text] of Object.entries(AGREED)) {
    for (const during of ["join", "call"] as const) {
      const closeCode = Number(code);
      const message = failureMessage({
        closeCode,
        detail: "server words",
        during,
        fatal: isFatalCloseCode(closeCode),
      });
      strictEqual(translate(message), text, `close code ${code} during ${during}`);
    }
  }
  ok(
    translate(
      failureMessage({ closeCode: CloseCode.invalidName, detail: "", during: "join", fatal: true }),
    ).includes("1–64"),
  );
});

Deno.test("each admission refusal (4020..4029) has its own words, not the server's", () => {
  const codes = [
    CloseCode.serverStarting,
    CloseCode.tokenRequired,
    CloseCode.tokenInvalid,
    CloseCode.tokenExpired,
    CloseCode.tokenWrongMeeting,
    CloseCode.banned,
    CloseCode.meetingLocked,
    CloseCode.passwordRequired,
    CloseCode.wrongPassword,
    CloseCode.guestsNotAllowed,
  ];
  const texts = codes.map((closeCode) =>
    translate(
      failureMessage({
        closeCode,
        detail: "server words",
        during: "join",
        fatal: isFatalCloseCode(closeCode),
      }),
    ),
  );
  for (const text of texts) ok(!text.includes("server words"), text);
  strictEqual(new Set(texts).size, codes.length, "one message per code");
  strictEqual(texts[5], "A host removed you from this meeting.");
});

Deno.test("without a message for its code, a failure shows the reason in the server's words", () => {
  const join = failureMessage({
    closeCode: undefined,
    detail: "cannot reach http://x",
    during: "join",
    fatal: false,
  });
  strictEqual(translate(join), "Could not join: cannot reach http://x");
  const call = failureMessage({ closeCode: 4000, detail: "", during: "call", fatal: false });
  strictEqual(translate(call), "Disconnected from the meeting: code 4000");
});

Deno.test("every placeholder in the English catalogue is a plain {name}", () => {
  const malformed = Object.entries(en).filter(([, text]) => /\{(?!\w+\})/.test(text));
  deepStrictEqual(malformed, []);
});
