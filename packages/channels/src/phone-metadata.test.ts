import { describe, expect, it } from 'vitest';
import { parsePhoneNumberFromString, type CountryCode, type MetadataJson } from 'libphonenumber-js/core';
import examples from 'libphonenumber-js/examples.mobile.json';
import min from 'libphonenumber-js/metadata.min.json';
import shipped from './phone-metadata.json';
import { parsingMetadata } from './phone-metadata';

const reduced = shipped as unknown as MetadataJson;
const e164 = (text: string, country: CountryCode, metadata: MetadataJson) => {
  const parsed = parsePhoneNumberFromString(text, country, metadata);
  return parsed ? { number: parsed.number, valid: parsed.isValid() } : null;
};

describe('the shipped phone metadata', () => {
  it('is what `npm run phone-metadata` writes from the installed libphonenumber-js', () => {
    expect(shipped).toEqual(parsingMetadata(min));
  });

  it('is much smaller than `min`', () => {
    expect(JSON.stringify(shipped).length).toBeLessThan(JSON.stringify(min).length / 2);
  });

  // Every country's example mobile number, written nationally, internationally, with the international call
  // prefix, and one digit short or long: the reduced plans parse and validate each exactly as `min` does.
  const countries = Object.entries(examples as Record<string, string>) as [CountryCode, string][];
  it.each(countries)('parses and validates %s numbers as `min` does', (country, national) => {
    const calling = parsePhoneNumberFromString(national, country, min)?.countryCallingCode;
    const texts = [national, `0${national}`, `${national.slice(0, -1)}`, `${national}9`];
    if (calling) texts.push(`+${calling} ${national}`, `00${calling}${national}`, `+${calling}${national.slice(1)}`);
    for (const text of texts) {
      for (const asked of [country, 'CN' as CountryCode]) {
        expect(e164(text, asked, reduced), `${text} from ${asked}`).toEqual(e164(text, asked, min));
      }
    }
    expect(e164(national, country, reduced)?.valid).toBe(true);
  });
});
