/**
 * The message catalogue: every user-visible string goes through `t(key, params)`, so a second
 * language is one more `Catalogue`. The locale is a signal: components that call `t` re-render
 * when it changes, and `applyLocale` keeps `lang` and `dir` (RTL) on the document root in step.
 */
import { effect, signal } from "@preact/signals";
import { ar } from "./messages.ar.ts";
import { en } from "./messages.en.ts";

export type MessageKey = keyof typeof en;
/** A translation: the same keys as English, any wording. */
export type Catalogue = Record<MessageKey, string>;

/** The `{name}` placeholders of a message template, as a union of names. */
type Placeholders<Template extends string> = Template extends `${string}{${infer Name}}${infer Rest}`
  ? Name | Placeholders<Rest>
  : never;
export type MessageParams<K extends MessageKey> = Record<Placeholders<(typeof en)[K]>, string | number>;

/** A message to show later (kept in state, translated when rendered). */
export interface Message {
  key: MessageKey;
  params?: Record<string, string | number>;
}

export interface Locale {
  /** BCP 47 tag, for `<html lang>` and Intl formatting. */
  lang: string;
  dir: "ltr" | "rtl";
  messages: Catalogue;
}

export const LOCALES: Record<string, Locale> = {
  en: { lang: "en", dir: "ltr", messages: en },
  ar: { lang: "ar", dir: "rtl", messages: ar },
};

/** The languages the switcher offers, in the order shown. */
export const LOCALE_TAGS = Object.keys(LOCALES);

/** `?lang=xx` first, then the browser's preferences; English when none is available. */
export function pickLocale(requested: readonly string[]): Locale {
  for (const tag of requested) {
    const exact = LOCALES[tag.toLowerCase()];
    if (exact) return exact;
    const language = LOCALES[tag.toLowerCase().split("-")[0] ?? ""];
    if (language) return language;
  }
  return LOCALES.en as Locale;
}

export const locale = signal<Locale>(LOCALES.en as Locale);

/** The message `key` in the current locale with its placeholders filled in. */
export function t<K extends MessageKey>(
  key: K,
  ...params: [Placeholders<(typeof en)[K]>] extends [never] ? [] : [MessageParams<K>]
): string {
  return format(key, params[0]);
}

/** `t` for a message kept in state. */
export function translate(message: Message): string {
  return format(message.key, message.params);
}

function format(key: MessageKey, params: Record<string, string | number> | undefined): string {
  const template: string = locale.value.messages[key] ?? en[key];
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (placeholder, name: string) => {
    if (!(name in params)) return placeholder;
    const value = params[name];
    return typeof value === "number" ? formatNumber(value) : String(value);
  });
}

const numberFormats = new Map<string, Intl.NumberFormat>();

/** A number the way the current locale writes it (digits, grouping, decimal sign). */
export function formatNumber(value: number, options?: Intl.NumberFormatOptions): string {
  const lang = locale.value.lang;
  if (options) return new Intl.NumberFormat(lang, options).format(value);
  let format = numberFormats.get(lang);
  if (!format) {
    format = new Intl.NumberFormat(lang, { maximumFractionDigits: 1 });
    numberFormats.set(lang, format);
  }
  return format.format(value);
}

/** Keeps `lang` and `dir` of `root` (the `<html>` element) on the current locale; returns the stop function. */
export function applyLocale(root: HTMLElement): () => void {
  return effect(() => {
    root.lang = locale.value.lang;
    root.dir = locale.value.dir;
  });
}
