/**
 * Word pools and small value makers for the generator. Chosen to exercise sync pipelines: accented and
 * CJK names, the odd emoji, commas, double quotes, apostrophes and newlines inside text.
 */
import type { Prng } from './prng.ts'

/** First names, accented and CJK ones included. */
export const FIRST_NAMES = [
  'Ada',
  'Alan',
  'Grace',
  'Linus',
  'Margaret',
  'Dennis',
  'Barbara',
  'Ken',
  'Frances',
  'Edsger',
  'José',
  'Zoë',
  'François',
  'Søren',
  'Łukasz',
  'Björn',
  'Małgorzata',
  'Renée',
  'Ñuño',
  'Chloé',
  '太郎',
  '花子',
  '明',
  'Jürgen',
  'Ingrid',
  'Olamide',
  'Priya',
  'Mei',
  'Dmitri',
  'Aoife',
  "D'Arcy",
  'Anne-Marie',
  'Siobhán',
  'Thảo',
  'Ahmed',
  'Fatima',
  'Kofi',
  'Lucía',
  'Håkon',
  'Élodie',
] as const

/** Last names, with apostrophes, particles and CJK. */
export const LAST_NAMES = [
  'Lovelace',
  'Turing',
  'Hopper',
  'Torvalds',
  'Hamilton',
  'Ritchie',
  'Liskov',
  'Thompson',
  'Allen',
  'Dijkstra',
  'García',
  'Müller',
  "O'Brien",
  'Nguyễn',
  'Kowalski',
  'Østergaard',
  'Dubois',
  'Smith',
  '山田',
  '佐藤',
  '王',
  'van der Berg',
  'de la Cruz',
  'Søndergaard',
  'Papadopoulos',
  'Okafor',
  'Patel',
  'Chen',
  'Ivanova',
  'Ní Bhriain',
  'Johnson',
  'Williams',
  'Brown',
  'Jones',
  'Miller',
  'Davis',
] as const

const COMPANY_WORDS = [
  'Acme',
  'Globex',
  'Initech',
  'Umbrella',
  'Stark',
  'Wayne',
  'Tyrell',
  'Cyberdyne',
  'Soylent',
  'Hooli',
  'Vandelay',
  'Nakatomi',
  'Gringotts',
  'Aperture',
  'Blue Sun',
  'Monarch',
  'Prestige',
  'Wonka',
  'Zorg',
  'Dunder',
  'Mifflin',
  'Oceanic',
  'Massive',
  'Pied Piper',
  'Bluth',
  'Sterling',
  'Cooper',
  'Pearson',
  'Nordström',
  'Société Générale',
  'Café Olé',
  'Zürich',
  '東京',
  'Ωmega',
  'Łódź',
  'Crème',
] as const
const COMPANY_SUFFIXES = [
  'Inc.',
  'LLC',
  'Ltd',
  'GmbH',
  'S.A.',
  'Corp.',
  'Group',
  'Holdings',
  'K.K.',
  'plc',
] as const

/** A city with its state, country, postal code maker and coordinates. */
export interface Place {
  readonly city: string
  readonly state: string | null
  readonly country: string
  readonly postal: () => string
  readonly lat: number
  readonly lon: number
}

const digits = (rng: Prng, n: number): string => {
  let s = ''
  for (let i = 0; i < n; i++) s += String(rng.int(0, 9))
  return s
}

/** The places addresses are drawn from (postal codes drawn from `rng`). */
export function placesFor(rng: Prng): readonly Place[] {
  return [
    {
      city: 'San Francisco',
      state: 'CA',
      country: 'USA',
      postal: () => `941${digits(rng, 2)}`,
      lat: 37.77,
      lon: -122.42,
    },
    {
      city: 'New York',
      state: 'NY',
      country: 'USA',
      postal: () => `100${digits(rng, 2)}`,
      lat: 40.71,
      lon: -74.0,
    },
    {
      city: 'Austin',
      state: 'TX',
      country: 'USA',
      postal: () => `787${digits(rng, 2)}`,
      lat: 30.27,
      lon: -97.74,
    },
    {
      city: 'Montréal',
      state: 'QC',
      country: 'Canada',
      postal: () => `H2X ${digits(rng, 1)}A${digits(rng, 1)}`,
      lat: 45.5,
      lon: -73.57,
    },
    {
      city: 'London',
      state: null,
      country: 'United Kingdom',
      postal: () => `EC1A ${digits(rng, 1)}BB`,
      lat: 51.51,
      lon: -0.13,
    },
    {
      city: 'München',
      state: 'Bayern',
      country: 'Germany',
      postal: () => `80${digits(rng, 3)}`,
      lat: 48.14,
      lon: 11.58,
    },
    {
      city: 'Paris',
      state: 'Île-de-France',
      country: 'France',
      postal: () => `750${digits(rng, 2)}`,
      lat: 48.86,
      lon: 2.35,
    },
    {
      city: '東京',
      state: '東京都',
      country: 'Japan',
      postal: () => `100-${digits(rng, 4)}`,
      lat: 35.68,
      lon: 139.69,
    },
    {
      city: 'São Paulo',
      state: 'SP',
      country: 'Brazil',
      postal: () => `01${digits(rng, 3)}-000`,
      lat: -23.55,
      lon: -46.63,
    },
    {
      city: 'Kraków',
      state: 'Małopolskie',
      country: 'Poland',
      postal: () => `30-${digits(rng, 3)}`,
      lat: 50.06,
      lon: 19.94,
    },
    {
      city: 'Sydney',
      state: 'NSW',
      country: 'Australia',
      postal: () => `20${digits(rng, 2)}`,
      lat: -33.87,
      lon: 151.21,
    },
    {
      city: 'Lagos',
      state: 'Lagos',
      country: 'Nigeria',
      postal: () => `1000${digits(rng, 2)}`,
      lat: 6.52,
      lon: 3.38,
    },
  ]
}

const STREETS = [
  'Main St',
  'Market Street',
  'Rue de Rivoli',
  'Königsallee',
  'Baker Street',
  'Avenida Paulista',
  '1-1 Marunouchi',
  'Broadway',
  'Elm Street',
  'Ulica Floriańska',
] as const

/** A street, sometimes on two lines (a newline inside the value, as real addresses have). */
export function street(rng: Prng): string {
  const line = `${rng.int(1, 9999)} ${rng.pick(STREETS)}`
  return rng.chance(0.15) ? `${line}\nSuite ${rng.int(100, 999)}` : line
}

/** A company name; a few carry commas, double quotes or an emoji. */
export function companyName(rng: Prng): string {
  const a = rng.pick(COMPANY_WORDS)
  const r = rng.next()
  if (r < 0.08) return `${a}, ${rng.pick(COMPANY_SUFFIXES)}`
  if (r < 0.12) return `"${a}" ${rng.pick(COMPANY_WORDS)}`
  if (r < 0.14) return `${a} 🚀 Labs`
  if (r < 0.6) return `${a} ${rng.pick(COMPANY_SUFFIXES)}`
  return `${a} ${rng.pick(COMPANY_WORDS)} ${rng.pick(COMPANY_SUFFIXES)}`
}

const ASCII_FOLD: Readonly<Record<string, string>> = { ß: 'ss', ø: 'o', ł: 'l', æ: 'ae', đ: 'd' }

/** A mailbox-safe ASCII slug of a name (accents folded, other scripts dropped). */
export function slug(text: string): string {
  const folded = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[ßøłæđ]/g, (c) => ASCII_FOLD[c] ?? '')
    .replace(/[^a-z0-9]+/g, '')
  return folded || 'user'
}

/** An ASCII mailbox made of the name and a number that keeps it unique. */
export function email(rng: Prng, first: string, last: string, n: number): string {
  const domains = ['example.com', 'example.org', 'mail.example.net', 'exemple.fr', 'beispiel.de']
  return `${slug(first)}.${slug(last)}${n}@${rng.pick(domains)}`
}

/** A phone number in one of several national formats. */
export function phone(rng: Prng): string {
  const r = rng.next()
  if (r < 0.5) return `(${rng.int(200, 989)}) ${rng.int(200, 999)}-${digits(rng, 4)}`
  if (r < 0.75) return `+44 20 ${digits(rng, 4)} ${digits(rng, 4)}`
  if (r < 0.9) return `+33 1 ${digits(rng, 2)} ${digits(rng, 2)} ${digits(rng, 2)} ${digits(rng, 2)}`
  return `+81 3-${digits(rng, 4)}-${digits(rng, 4)}`
}

/** An https URL on an `.example` host derived from the company name. */
export function website(rng: Prng, company: string): string {
  return `https://www.${slug(company).slice(0, 24)}.example${rng.chance(0.3) ? '/en-us' : ''}`
}

const SENTENCES = [
  'Renewal discussed with procurement, pending budget approval.',
  'Customer asked for a "quick win" before Q3; follow up next week.',
  "Met at the partner summit; they're evaluating two vendors.",
  'Prefers email over phone, never call before 10:00.',
  'Signed NDA on file. Legal reviewed clauses 4, 7 and 12.',
  'Primary contact changed: see notes below.',
  'Facture envoyée, en attente de règlement.',
  'Wünscht Rückruf bezüglich Lieferzeiten.',
  '見積もりを送付済み。来週フォローアップ。',
  'Escalated to tier 2 ✅ after the outage report.',
  'Tab\tseparated values pasted from a spreadsheet.',
  'Uses a backslash \\ in their internal codes.',
] as const

/** One to three sentences, joined by spaces or newlines. */
export function paragraph(rng: Prng): string {
  const n = rng.int(1, 3)
  let text = rng.pick(SENTENCES)
  for (let i = 1; i < n; i++) text += (rng.chance(0.4) ? '\n' : ' ') + rng.pick(SENTENCES)
  return text
}
