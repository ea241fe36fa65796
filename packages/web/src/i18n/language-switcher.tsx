import { LOCALE_TAGS, locale, type MessageKey, t } from "./i18n.ts";
import { chooseLanguage } from "./language-choice.ts";

/** Each language's name, written in that language (the same in every catalogue). */
const LANGUAGE_NAMES: Record<string, MessageKey & `language.${string}`> = {
  en: "language.en",
  ar: "language.ar",
};

/** A select of the app's languages, each named in its own language. */
export function LanguageSwitcher() {
  const current = locale.value.lang;
  return (
    <label class="language-switcher">
      <span class="visually-hidden">{t("language.label")}</span>
      <select
        name="language"
        aria-label={t("language.label")}
        value={current}
        onChange={(event) => chooseLanguage((event.target as HTMLSelectElement).value)}
      >
        {LOCALE_TAGS.map((tag) => (
          <option key={tag} value={tag} lang={tag}>
            {t(LANGUAGE_NAMES[tag] ?? "language.en")}
          </option>
        ))}
      </select>
    </label>
  );
}
