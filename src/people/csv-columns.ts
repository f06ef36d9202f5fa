/**
 * Which CSV column feeds which field of a person. Recognises the customer exports of Shopify
 * and Square and Vouch's own template (which is also what the export writes), matching headers
 * without regard to case, spaces, underscores or punctuation.
 */

/** What a column can feed. `fullName` is split into first and last name. */
export type ColumnField =
  | 'vouchId'
  | 'externalId'
  | 'firstName'
  | 'lastName'
  | 'fullName'
  | 'organisation'
  | 'email'
  | 'phone'
  | 'kind'
  | 'line1'
  | 'line2'
  | 'city'
  | 'region'
  | 'postalCode'
  | 'country'
  | 'tags'
  | 'notes'
  | 'howHeard'
  | 'marketingConsent'
  | 'marketingConsentSource'
  | 'doNotContact';

/**
 * Header aliases per field, normalised (see `headerKey`), best first: when a file has several
 * columns for one field (Square's customer id and reference id, Shopify's phone and default
 * address phone) the first non-empty one in this order wins on each row.
 */
const ALIASES: Record<ColumnField, string[]> = {
  vouchId: ['vouchid'],
  externalId: ['externalid', 'customerid', 'squarecustomerid', 'referenceid', 'clientid', 'customernumber'],
  firstName: ['firstname', 'givenname', 'forename', 'first'],
  lastName: ['lastname', 'surname', 'familyname', 'last'],
  fullName: ['name', 'fullname', 'customername', 'contactname', 'displayname'],
  organisation: [
    'organisation',
    'organization',
    'company',
    'companyname',
    'business',
    'businessname',
    'defaultaddresscompany',
  ],
  email: ['email', 'emailaddress', 'mail'],
  phone: [
    'phone',
    'phonenumber',
    'mobile',
    'mobilephone',
    'mobilenumber',
    'cell',
    'telephone',
    'tel',
    'defaultaddressphone',
  ],
  kind: ['kind'],
  line1: [
    'addressline1',
    'address1',
    'streetaddress1',
    'streetaddress',
    'address',
    'street',
    'defaultaddressaddress1',
  ],
  line2: ['addressline2', 'address2', 'streetaddress2', 'defaultaddressaddress2'],
  city: ['city', 'town', 'defaultaddresscity'],
  region: [
    'region',
    'state',
    'provincecode',
    'province',
    'statecode',
    'county',
    'defaultaddressprovincecode',
  ],
  postalCode: ['postalcode', 'postcode', 'zip', 'zipcode', 'defaultaddresszip'],
  country: ['country', 'countrycode', 'defaultaddresscountrycode'],
  tags: ['tags', 'tag', 'groups', 'labels'],
  notes: ['notes', 'note', 'memo', 'comments', 'comment'],
  howHeard: ['howheard', 'howdidyouhearaboutus', 'howdidyouhear', 'heardfrom', 'referralsource'],
  marketingConsent: [
    'marketingconsent',
    'acceptsemailmarketing',
    'acceptsmarketing',
    'emailsubscriptionstatus',
    'emailmarketingconsent',
    'emailoptin',
  ],
  marketingConsentSource: ['marketingconsentsource'],
  doNotContact: ['donotcontact'],
};

const FIELD_OF = new Map<string, { field: ColumnField; rank: number }>();
for (const [field, aliases] of Object.entries(ALIASES) as Array<[ColumnField, string[]]>) {
  aliases.forEach((alias, rank) => {
    FIELD_OF.set(alias, { field, rank });
  });
}

/** The columns Vouch's template has, in the order the export writes them. */
export const TEMPLATE_COLUMNS = [
  'vouch_id',
  'external_id',
  'kind',
  'first_name',
  'last_name',
  'organisation',
  'email',
  'phone',
  'address_line1',
  'address_line2',
  'city',
  'region',
  'postal_code',
  'country',
  'tags',
  'notes',
  'how_heard',
  'marketing_consent',
  'marketing_consent_source',
  'do_not_contact',
] as const;

/** Fields that make a file importable: a person needs a name, an organisation, an email or a phone. */
const IDENTIFYING: ColumnField[] = ['firstName', 'lastName', 'fullName', 'organisation', 'email', 'phone'];

/** "Accepts Email Marketing", "accepts_email_marketing" and "ACCEPTS-EMAIL-MARKETING" are one header. */
export function headerKey(header: string): string {
  return header
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

export type Source = 'Shopify' | 'Square' | 'CSV';

export type ColumnMap = {
  /** Every header of the file with the field it feeds, or null when Vouch does not use it. */
  columns: Array<{ header: string; field: ColumnField | null }>;
  /** Per field, the indexes of the columns that feed it, best first. */
  indexes: Partial<Record<ColumnField, number[]>>;
  /** The system the file most likely came from; names the source of imported consent. */
  source: Source;
};

/** Every field a column can feed, in the order a person's form shows them. */
export const COLUMN_FIELDS = Object.keys(ALIASES) as ColumnField[];

/**
 * Columns chosen by hand, by header: the field each feeds, or `ignore`. It overrides the
 * recognition of those headers, and a field given a column here is fed by that column alone;
 * headers it does not name are recognised as usual.
 */
export type ColumnMapping = Readonly<Record<string, ColumnField | 'ignore'>>;

export function mapColumns(headers: string[], mapping?: ColumnMapping): ColumnMap {
  const keys = headers.map(headerKey);
  const chosen = new Set(mapping ? Object.values(mapping) : []);
  const found: Array<{ field: ColumnField; rank: number; index: number }> = [];
  const columns = headers.map((header, index) => {
    const byHand = mapping && Object.hasOwn(mapping, header) ? mapping[header] : undefined;
    if (byHand) {
      if (byHand === 'ignore' || headers.indexOf(header) !== index) return { header, field: null };
      found.push({ field: byHand, rank: -1, index });
      return { header, field: byHand };
    }
    const hit = FIELD_OF.get(keys[index]!);
    // A second column with the very same header is not used: which one would be right?
    if (!hit || keys.indexOf(keys[index]!) !== index || chosen.has(hit.field)) return { header, field: null };
    found.push({ ...hit, index });
    return { header, field: hit.field };
  });
  const indexes: ColumnMap['indexes'] = {};
  for (const f of found.sort((a, b) => a.rank - b.rank)) {
    const list = indexes[f.field];
    if (list) list.push(f.index);
    else indexes[f.field] = [f.index];
  }
  const has = (k: string) => keys.includes(k);
  const source: Source =
    has('squarecustomerid') || has('emailsubscriptionstatus')
      ? 'Square'
      : has('acceptsemailmarketing') ||
          has('acceptsmarketing') ||
          has('defaultaddressaddress1') ||
          has('totalspent')
        ? 'Shopify'
        : 'CSV';
  return { columns, indexes, source };
}

/** Null when every header a mapping names is in the file; otherwise which are not. */
export function unknownMappedHeaders(headers: string[], mapping: ColumnMapping): string | null {
  const missing = Object.keys(mapping).filter((h) => !headers.includes(h));
  if (!missing.length) return null;
  return (
    `The column mapping names ${missing.map((h) => `"${h}"`).join(', ')}, not a column of this file. ` +
    `Its columns are: ${headers.map((h) => `"${h}"`).join(', ') || 'none'}.`
  );
}

/** Null when the file can be imported; otherwise why not, listing what was found and what is expected. */
export function missingColumns(map: ColumnMap): string | null {
  if (IDENTIFYING.some((f) => map.indexes[f])) return null;
  const found = map.columns.map((c) => `"${c.header}"`).join(', ') || 'none';
  return (
    `No column for a name, organisation, email or phone. Found: ${found}. ` +
    `Expected at least one of first_name, last_name, name, organisation, email or phone ` +
    `(or a Shopify or Square customer export).`
  );
}

/** Cells starting with these are formulas to a spreadsheet; the export prefixes them with `'`. */
const FORMULA_START = /^'*[=+\-@\t\r]/;

/** Formula-injection guard for a cell written to a CSV a spreadsheet may open. */
export function guardCell(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

/** Undoes `guardCell`, so an exported file imports to the same values. */
export function unguardCell(value: string): string {
  return value.charCodeAt(0) === 39 && FORMULA_START.test(value) ? value.slice(1) : value;
}

/**
 * Fields whose values spreadsheets mangle (leading zeros, long numbers): Shopify writes them as
 * `'0213` and `'6807426154713`, which this undoes.
 */
const TEXT_GUARDED = new Set<ColumnField>(['externalId', 'phone', 'postalCode', 'vouchId']);

/** The value of `field` on a row: the first non-empty of its columns, unguarded and trimmed. */
export function cell(map: ColumnMap, row: string[], field: ColumnField): string {
  const idx = map.indexes[field];
  if (!idx) return '';
  for (const i of idx) {
    const raw = row[i];
    if (!raw) continue;
    let v = unguardCell(raw).trim();
    if (TEXT_GUARDED.has(field) && v.charCodeAt(0) === 39) v = v.slice(1).trim();
    if (v) return v;
  }
  return '';
}

/** The header that fed `field` on this row, to name it in a reason. */
export function headerOf(map: ColumnMap, row: string[], field: ColumnField): string {
  const idx = map.indexes[field];
  if (!idx) return field;
  const i = idx.find((j) => row[j]?.trim()) ?? idx[0]!;
  return map.columns[i]!.header;
}

const YES = new Set([
  'yes',
  'y',
  'true',
  '1',
  'x',
  'subscribed',
  'optedin',
  'granted',
  'confirmed',
  'singleoptin',
  'confirmedoptin',
]);
const NO = new Set([
  'no',
  'n',
  'false',
  '0',
  'unsubscribed',
  'notsubscribed',
  'nonsubscribed',
  'neversubscribed',
  'optedout',
  'unknown',
  'pending',
  'invalid',
  'bounced',
  'cleaned',
  'declined',
  'none',
]);
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/**
 * A yes/no cell (yes, true, 1, subscribed … / no, false, 0, unsubscribed, not subscribed …):
 * true, false, or the time it became true when the cell is an ISO timestamp (what the export
 * writes for consent and do-not-contact). Undefined when it cannot be read.
 */
export function readFlag(value: string): { yes: boolean; at?: string } | undefined {
  const v = value.trim();
  const key = v.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (YES.has(key)) return { yes: true };
  if (NO.has(key) || key === '') return { yes: false };
  if (ISO.test(v)) {
    const t = Date.parse(v);
    if (!Number.isNaN(t)) return { yes: true, at: new Date(t).toISOString() };
  }
  return undefined;
}

let countryNames: Map<string, string> | undefined;

/** ISO 3166 alpha-2 code for "US", "us", "United States" or "Deutschland"; undefined if unknown. */
export function countryCode(value: string): string | undefined {
  const v = value.trim();
  if (/^[a-z]{2}$/i.test(v)) return v.toUpperCase();
  if (!countryNames) {
    countryNames = new Map();
    const names = ['en', 'de', 'fr', 'es', 'it', 'nl', 'pt'].map(
      (l) => new Intl.DisplayNames([l], { type: 'region' }),
    );
    for (let a = 65; a <= 90; a++) {
      for (let b = 65; b <= 90; b++) {
        const code = String.fromCharCode(a, b);
        for (const n of names) {
          const name = n.of(code);
          if (name && name !== code) countryNames.set(headerKey(name), code);
        }
      }
    }
    for (const [alias, code] of [
      ['usa', 'US'],
      ['unitedstatesofamerica', 'US'],
      ['uk', 'GB'],
      ['greatbritain', 'GB'],
      ['england', 'GB'],
      ['scotland', 'GB'],
      ['wales', 'GB'],
    ] as const) {
      countryNames.set(alias, code);
    }
  }
  return countryNames.get(headerKey(v));
}
