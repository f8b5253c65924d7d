// The words of both pages (trainers' page, baskets game): translation helpers over a page's
// state, whose `dict` maps a key to { fr, en } and whose `lang` is the current language.
// Plain ES module, loaded as is (no build step, nothing fetched online).

/** Translation helpers bound to `state` (reads `state.dict` and `state.lang` on each call). */
export function translator(state) {
  /** Translate a key, replacing {name} placeholders with vars. Unknown keys show as themselves. */
  function t(key, vars = {}) {
    const entry = state.dict[key];
    let text = entry ? (entry[state.lang] ?? entry.fr) : key;
    for (const [k, v] of Object.entries(vars)) text = text.replaceAll(`{${k}}`, v);
    return text;
  }

  /** Translated name of a catalogue item (kind, good, rule, shock); falls back to the id. */
  function label(prefix, id) {
    const key = `${prefix}.${id}`;
    return key in state.dict ? t(key) : String(id).replaceAll("_", " ");
  }

  /** Translate a key if the dictionary has it, else show the fallback text (from a file). */
  function translated(key, fallback) {
    return key in state.dict ? t(key) : fallback;
  }

  /** Fill every element carrying data-i18n (text) or data-i18n-title (tooltip). */
  function applyI18n(root = document) {
    for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
    for (const el of root.querySelectorAll("[data-i18n-title]")) el.title = t(el.dataset.i18nTitle);
  }

  /** Switch to `lang`: remember it (both pages share the choice) and refill the static words. */
  function useLanguage(lang) {
    state.lang = lang;
    document.documentElement.lang = lang;
    try { localStorage.setItem("terrisim.lang", lang); } catch { /* private mode */ }
    applyI18n();
  }

  return { t, label, translated, applyI18n, useLanguage };
}
