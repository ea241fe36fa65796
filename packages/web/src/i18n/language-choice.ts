/**
 * Which language the app speaks: `?lang=xx` first (a link can force it), then the user's choice
 * from the switcher (kept in localStorage), then the browser's preferences, then English.
 */
import { LOCALES, locale, pickLocale } from "./i18n.ts";

export const LANGUAGE_STORAGE_KEY = "videocall.language";

export interface LanguageSources {
  query: string | null;
  stored: string | null;
  browser: readonly string[];
}

export function requestedLanguages(sources: LanguageSources): string[] {
  return [sources.query, sources.stored, ...sources.browser].filter(
    (tag): tag is string => typeof tag === "string" && tag !== "",
  );
}

/** Sets the locale from the page's URL, the stored choice and the browser. */
export function initLanguage(): void {
  locale.value = pickLocale(
    requestedLanguages({
      query: new URLSearchParams(location.search).get("lang"),
      stored: readStoredLanguage(),
      browser: navigator.languages,
    }),
  );
}

/** The switcher's choice: applied at once and remembered for the next visit. */
export function chooseLanguage(tag: string): void {
  const chosen = LOCALES[tag];
  if (!chosen) return;
  locale.value = chosen;
  try {
    localStorage.setItem(LANGUAGE_STORAGE_KEY, tag);
  } catch {
    // Storage can be disabled (private mode, embedding); the choice then lasts for this page.
  }
  // A `?lang=` in the address would win again on reload: drop it so the choice sticks.
  const url = new URL(location.href);
  if (url.searchParams.has("lang")) {
    url.searchParams.delete("lang");
    history.replaceState(history.state, "", url);
  }
}

function readStoredLanguage(): string | null {
  try {
    return localStorage.getItem(LANGUAGE_STORAGE_KEY);
  } catch {
    return null;
  }
}
