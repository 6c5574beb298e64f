/**
 * Deterministic Account-like Bulk 2.0 CSV for the benchmarks: 30 columns shaped like the data set of
 * reference/perf-limits.md (18-char Ids, names with accents, 2 picklists, 14 short strings, 2 lookups,
 * currency, int, double, 2 booleans, 3 datetimes, a date, a long description with commas, `""` quotes
 * and newlines), every value quoted, null as `""`, LF line ends. About 600 bytes a row.
 */

/** The 30 fields, in column order, with their Salesforce describe type and size. */
export const ACCOUNT_FIELDS = [
  { name: 'Id', type: 'id', length: 18 },
  { name: 'Name', type: 'string', length: 255 },
  { name: 'Type', type: 'picklist', length: 255 },
  { name: 'Industry', type: 'picklist', length: 255 },
  ...[
    'BillingStreet',
    'BillingCity',
    'BillingState',
    'BillingPostalCode',
    'BillingCountry',
    'ShippingStreet',
    'ShippingCity',
    'ShippingState',
    'ShippingPostalCode',
    'ShippingCountry',
    'Phone',
    'Fax',
    'Website',
    'Site',
  ].map((name) => ({ name, type: 'string', length: 255 })),
  { name: 'OwnerId', type: 'reference', length: 18 },
  { name: 'ParentId', type: 'reference', length: 18 },
  { name: 'AnnualRevenue', type: 'currency', precision: 18, scale: 2 },
  { name: 'NumberOfEmployees', type: 'int', digits: 8 },
  { name: 'Score__c', type: 'double', precision: 18, scale: 4 },
  { name: 'IsDeleted', type: 'boolean' },
  { name: 'IsPartner', type: 'boolean' },
  { name: 'CreatedDate', type: 'datetime' },
  { name: 'LastModifiedDate', type: 'datetime' },
  { name: 'SystemModstamp', type: 'datetime' },
  { name: 'SLAExpirationDate__c', type: 'date' },
  { name: 'Description', type: 'textarea', length: 32000 },
] as const

const WORDS = [
  'acme',
  'global',
  'north',
  'systems',
  'river',
  'data',
  'blue',
  'partners',
  'west',
  'labs',
  'group',
]
const TYPES = ['Prospect', 'Customer - Direct', 'Customer - Channel', 'Partner', 'Other']
const INDUSTRIES = [
  'Agriculture',
  'Banking',
  'Chemicals',
  'Education',
  'Energy',
  'Media',
  'Retail',
  'Technology',
]
const CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function id(prefix: string, n: number): string {
  let s = ''
  let v = n
  for (let i = 0; i < 12; i++) {
    s = (CHARS[v % 62] ?? 'A') + s
    v = Math.floor(v / 62)
  }
  return `${prefix}${s}AAA`
}

/**
 * Builds `rows` rows of CSV (with header) as Buffers of about `rowsPerBuffer` rows each, so that no
 * single string or Buffer gets huge. Same seed, same bytes.
 */
export function generateAccountCsv(rows: number, seed = 0x5f0c2024, rowsPerBuffer = 10_000): Buffer[] {
  const rand = prng(seed)
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T
  const text = (min: number, max: number): string => {
    const target = min + Math.floor(rand() * (max - min))
    let s = ''
    while (s.length < target) s += (s ? ' ' : '') + pick(WORDS)
    return s.slice(0, target)
  }
  const maybe = (pNull: number, make: () => string): string => (rand() < pNull ? '' : make())
  const stamp = (ms: number): string => new Date(ms).toISOString().replace('Z', '+0000')
  const out: Buffer[] = []
  let lines: string[] = [ACCOUNT_FIELDS.map((f) => `"${f.name}"`).join(',')]
  for (let r = 0; r < rows; r++) {
    const created = Date.UTC(2020, 0, 1) + Math.floor(rand() * 1.5e11)
    const modified = created + Math.floor(rand() * 1e10)
    const description = maybe(0.3, () => {
      const base = `${text(100, 180)}, "quoted" part\nsecond line${rand() < 0.01 ? ' it’s' : ''}`
      return base.replaceAll('"', '""')
    })
    const values = [
      id('001', r * 3 + 1),
      rand() < 0.05 ? `Zoë ${text(5, 70)} Ångström` : text(10, 80),
      maybe(0.2, () => pick(TYPES)),
      maybe(0.2, () => pick(INDUSTRIES)),
      ...Array.from({ length: 14 }, () => maybe(0.3, () => text(10, 80))),
      id('005', 1 + Math.floor(rand() * 50)),
      maybe(0.7, () => id('001', Math.floor(rand() * rows * 3))),
      maybe(0.4, () => (Math.floor(rand() * 1e9) / 100).toFixed(2)),
      maybe(0.4, () => String(Math.floor(rand() * 100000))),
      maybe(0.5, () => (rand() * 1000).toFixed(4)),
      'false',
      rand() < 0.5 ? 'true' : 'false',
      stamp(created),
      stamp(modified),
      stamp(modified),
      maybe(0.6, () => new Date(created).toISOString().slice(0, 10)),
      description,
    ]
    lines.push(values.map((v) => `"${v}"`).join(','))
    if (lines.length >= rowsPerBuffer) {
      out.push(Buffer.from(lines.join('\n') + '\n', 'utf8'))
      lines = []
    }
  }
  if (lines.length > 0) out.push(Buffer.from(lines.join('\n') + '\n', 'utf8'))
  return out
}

/** Yields the buffers cut into `chunkBytes` pieces, the way an HTTP body arrives. */
export function* chunked(buffers: readonly Buffer[], chunkBytes = 64 * 1024): Generator<Buffer> {
  for (const b of buffers) for (let i = 0; i < b.length; i += chunkBytes) yield b.subarray(i, i + chunkBytes)
}
