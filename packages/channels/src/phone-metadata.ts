import type { MetadataJson } from 'libphonenumber-js/core';

/**
 * The phone numbering plans the app ships: libphonenumber-js's `min` metadata for every country, less the
 * number formats (how to print a number in national or international style: about 60 % of it). Parsing and
 * validating never read them, and the app keeps numbers as E.164 only, so it parses and validates exactly as
 * `min` does (phone-metadata.test.ts compares both on every country's example number) at a third of the size.
 * `npm run phone-metadata` rewrites phone-metadata.json from the installed libphonenumber-js.
 */
export function parsingMetadata(min: MetadataJson): MetadataJson {
  const strip = (plan: unknown[]) => plan.map((field, i) => (i === FORMATS ? [] : field));
  const plans = (table: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(table).map(([code, plan]) => [code, strip(plan as unknown[])]));
  const source = min as unknown as {
    countries: Record<string, unknown>;
    nonGeographic?: Record<string, unknown>;
  };
  return {
    ...min,
    countries: plans(source.countries),
    ...(source.nonGeographic && { nonGeographic: plans(source.nonGeographic) }),
  } as unknown as MetadataJson;
}

/** Where a numbering plan keeps its formats in metadata of this (v4) shape. */
const FORMATS = 4;
