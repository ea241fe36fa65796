import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { formatNumber, LOCALES, locale, pickLocale, t } from "./i18n.ts";
import { requestedLanguages } from "./language-choice.ts";
import { ar } from "./messages.ar.ts";
import { en } from "./messages.en.ts";

/** Keys whose text is a name or an example id, the same in every language. */
const SAME_IN_EVERY_LANGUAGE = new Set<string>([
  "app.name",
  "meeting.documentTitle",
  "transport.webtransport",
  "transport.websocket",
  "codec.vp8",
  "codec.vp9",
  "codec.h264",
  "codec.av1",
  "language.en",
  "language.ar",
  "home.meetingIdPlaceholder",
]);

/** Only placeholders and punctuation: nothing to translate. */
const isPlaceholderOnly = (text: string) => !/\p{L}/u.test(text.replace(/\{\w+\}/g, ""));

Deno.test("every English message has an Arabic translation that differs from the English", () => {
  const untranslated = Object.entries(en)
    .filter(([key]) => !SAME_IN_EVERY_LANGUAGE.has(key))
    .filter(([, text]) => !isPlaceholderOnly(text))
    .filter(([key, text]) => ar[key as keyof typeof en] === text)
    .map(([key]) => key);
  deepStrictEqual(untranslated, []);
  deepStrictEqual(Object.keys(ar).sort(), Object.keys(en).sort());
});

Deno.test("an Arabic message keeps the English message's placeholders", () => {
  const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();
  const mismatched = Object.entries(en)
    .filter(([key, text]) => {
      const arabic = ar[key as keyof typeof en];
      return JSON.stringify(placeholders(arabic)) !== JSON.stringify(placeholders(text));
    })
    .map(([key]) => key);
  deepStrictEqual(mismatched, []);
});

Deno.test("Arabic messages use Arabic script, with Latin letters only inside names", () => {
  const allowedLatin =
    /\{\w+\}|videocall|WebTransport|WebSocket|WebCodecs|AudioWorklet|OffscreenCanvas|Web Crypto|Workers|Chrome|Edge|Firefox|Safari|VP8|VP9|H\.264|AV1|English|Salma|team-sync/g;
  const latin = Object.entries(ar)
    .filter(([, text]) => /[A-Za-z]/.test(text.replace(allowedLatin, "")))
    .map(([key]) => key);
  deepStrictEqual(latin, []);
});

Deno.test("Arabic is right to left, chosen by ?lang=, the stored choice or the browser, in that order", () => {
  strictEqual(LOCALES.ar?.dir, "rtl");
  strictEqual(pickLocale(["ar-EG"]).lang, "ar");
  strictEqual(
    pickLocale(requestedLanguages({ query: null, stored: null, browser: ["ar-SA", "en"] })).lang,
    "ar",
  );
  strictEqual(pickLocale(requestedLanguages({ query: null, stored: "en", browser: ["ar-SA"] })).lang, "en");
  strictEqual(pickLocale(requestedLanguages({ query: "ar", stored: "en", browser: ["en-US"] })).lang, "ar");
  strictEqual(pickLocale(requestedLanguages({ query: "", stored: null, browser: [] })).lang, "en");
});

Deno.test("numbers in messages are written the locale's way", () => {
  const before = locale.value;
  try {
    locale.value = LOCALES.ar as typeof before;
    const expected = new Intl.NumberFormat("ar").format(12);
    strictEqual(t("participants.title", { count: 12 }), `المشاركون (${expected})`);
    strictEqual(
      formatNumber(1234.5),
      new Intl.NumberFormat("ar", { maximumFractionDigits: 1 }).format(1234.5),
    );
    locale.value = LOCALES.en as typeof before;
    strictEqual(t("grid.page", { page: 1000, count: 2000 }), "Page 1,000 of 2,000");
  } finally {
    locale.value = before;
  }
});
