// The UI language: Simplified Chinese or English. The lab's settings store the user's choice
// (Lab.applySettings); navigator.language decides until there is one. localStorage keeps the
// last language, so the first paint after a restart is already in it.
import { className } from '../../../../src-shared/classes';
import { en } from './en';
import { zh } from './zh';

export type Language = 'en' | 'zh';
export type MessageKey = keyof typeof en;
export type MessageParams = Record<string, string | number>;

export const LANGUAGES: readonly Language[] = ['en', 'zh'];
export const DICTIONARIES: Record<Language, Record<MessageKey, string>> = { en, zh };

const STORAGE_KEY = 'nin-lab.language';

/** Pick the language for `locale` (a BCP 47 tag such as zh-CN or en-US). */
export function languageForLocale(locale: string | undefined): Language {
  return locale?.toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

/** Replace each `{name}` in `template` by its parameter; unknown names stay visible. */
export function interpolate(template: string, params: MessageParams = {}): string {
  return template.replace(/\{(\w+)\}/g, (match, name: string) =>
    name in params ? String(params[name]) : match,
  );
}

function storedLanguage(): Language | null {
  try {
    const value = globalThis.localStorage?.getItem(STORAGE_KEY);
    return value === 'en' || value === 'zh' ? value : null;
  } catch {
    // Storage can be unavailable (a sandboxed opaque origin); the locale decides then.
    return null;
  }
}

export class I18n {
  language = $state<Language>(
    storedLanguage() ?? languageForLocale(globalThis.navigator?.language),
  );

  /**
   * Translate `key`, writing number parameters with the locale's digit grouping (60,000).
   * Reading `language` here makes every caller reactive to language switches.
   */
  t = (key: MessageKey, params?: MessageParams): string =>
    interpolate(DICTIONARIES[this.language][key], params && this.#formatNumbers(params));

  #formatNumbers(params: MessageParams): MessageParams {
    const format = new Intl.NumberFormat(this.locale, { maximumFractionDigits: 6 });
    return Object.fromEntries(
      Object.entries(params).map(([name, value]) => [
        name,
        typeof value === 'number' ? format.format(value) : value,
      ]),
    );
  }

  /** Name of Fashion-MNIST class `label` in the current language. */
  className = (label: number): string => className(label, this.language);

  /** BCP 47 tag for Intl formatting and the document's lang attribute. */
  get locale(): string {
    return this.language === 'zh' ? 'zh-CN' : 'en';
  }

  setLanguage(language: Language): void {
    this.language = language;
    try {
      globalThis.localStorage?.setItem(STORAGE_KEY, language);
    } catch {
      // Without storage the choice lasts until the window closes, which is still usable.
    }
  }
}
