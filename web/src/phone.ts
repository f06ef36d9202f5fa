import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js/min';

/**
 * A stored E.164 number as people write it: national format for the workspace's own country
 * ("(217) 555-0140" in the US), international otherwise.
 */
export function formatPhone(phone: string | null | undefined, country: string | undefined): string {
  if (!phone) return '';
  const parsed = parsePhoneNumberFromString(phone);
  if (!parsed) return phone;
  return parsed.country && parsed.country === (country as CountryCode)
    ? parsed.formatNational()
    : parsed.formatInternational();
}
