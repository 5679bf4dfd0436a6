import type { PhoneRegion, Region } from "./bindings";

export type RegionOption = { region: Region; label: string };

/**
 * A language tag `Intl` accepts, from what the system reports: under the POSIX "C" locale the
 * window reports `c`, which `Intl` refuses with a RangeError; English is the fallback.
 */
export function usableLanguage(reported: string | undefined): string {
  try {
    return Intl.getCanonicalLocales(reported ?? [])[0] ?? "en";
  } catch {
    return "en";
  }
}

/**
 * The countries to choose as the default, named in the UI's language with their calling code
 * ("Brazil (+55)") and sorted by name. The chosen one is always among them, so the choice shows
 * as it is saved even before the list has loaded.
 */
export function regionOptions(regions: readonly PhoneRegion[], chosen: Region | null, language: string): RegionOption[] {
  const tag = usableLanguage(language);
  const names = new Intl.DisplayNames([tag], { type: "region" });
  const nameOf = (region: Region) => names.of(region) ?? region;
  const options = regions.map(({ region, callingCode }) => ({
    region,
    name: nameOf(region),
    label: `${nameOf(region)} (+${callingCode})`,
  }));
  if (chosen !== null && !regions.some(({ region }) => region === chosen)) {
    options.push({ region: chosen, name: nameOf(chosen), label: nameOf(chosen) });
  }
  const collator = new Intl.Collator([tag]);
  return options.sort((a, b) => collator.compare(a.name, b.name)).map(({ region, label }) => ({ region, label }));
}
