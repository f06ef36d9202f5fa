/** The names and places of the generated customers of the import benchmarks. */
export const FIRST = [
  'Ann',
  'Bob',
  'Chloé',
  'Dev',
  'Eve',
  'Farid',
  'Grace',
  'Hiro',
  'Ines',
  'José',
  'Kim',
  'Lena',
];
export const LAST = [
  'Lee',
  'Smith',
  "O'Brien",
  'García',
  'Nguyen',
  'Müller',
  'Okafor',
  'Rossi',
  'Kowalski',
  'Tanaka',
];
/** City, region, postal code, area code. */
export const CITIES = [
  ['Springfield', 'IL', '62701', '217'],
  ['Portland', 'OR', '97201', '503'],
  ['Austin', 'TX', '73301', '512'],
  ['Boston', 'MA', '02134', '617'],
] as const;
