import type { PhoneRegion, Region } from "./bindings";

export type RegionOption = { region: Region; label: string };

/**
 * The countries to choose as the default, named in the UI's language with their calling code
 * ("Brazil (+55)") and sorted by name. The chosen one is always among them, so the choice shows
 * as it is saved even before the list has loaded.
 */
export function regionOptions(regions: readonly PhoneRegion[], chosen: Region | null, language: string): RegionOption[] {
  const names = new Intl.DisplayNames([language], { type: "region" });
  const nameOf = (region: Region) => names.of(region) ?? region;
  const options = regions.map(({ region, callingCode }) => ({
    region,
    name: nameOf(region),
    label: `${nameOf(region)} (+${callingCode})`,
  }));
  if (chosen !== null && !regions.some(({ region }) => region === chosen)) {
    options.push({ region: chosen, name: nameOf(chosen), label: nameOf(chosen) });
  }
  const collator = new Intl.Collator([language]);
  return options.sort((a, b) => collator.compare(a.name, b.name)).map(({ region, label }) => ({ region, label }));
}
