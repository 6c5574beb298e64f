/**
 * Random org activity through the emulator's control API (which costs the client no API calls):
 * inserts, updates, deletes, undeletes, purges and formula-only changes, from a seeded generator so
 * that a failing sequence can be replayed.
 */
import type { SyncTestOrg } from './sync-fixture.ts'

/** A small deterministic generator (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export type Activity = 'insert' | 'update' | 'delete' | 'undelete' | 'purge' | 'formula'

/** What a round did, by kind. */
export type ActivityCounts = Record<Activity, number>

const WRITES: Readonly<Record<string, (r: () => number, n: number) => Record<string, unknown>>> = {
  Account: (r, n) => ({
    Name: `Acme ${n} ${Math.floor(r() * 1e6)}`,
    Phone: `+1 555 ${Math.floor(r() * 1e4)}`,
    NumberOfEmployees: Math.floor(r() * 5000),
    AnnualRevenue: Math.round(r() * 1e8) / 100,
  }),
  Contact: (r, n) => ({
    LastName: `Doe ${n}`,
    FirstName: r() < 0.5 ? 'Ann' : 'Bob',
    Email: `c${n}@example.com`,
  }),
  Invoice__c: (r) => ({
    Amount__c: Math.round(r() * 1e6) / 100,
    Tax_Rate__c: Math.round(r() * 2000) / 100,
    Notes__c: r() < 0.5 ? null : 'line one\nline "two"',
  }),
}

/**
 * Performs `count` random activities on `object`. Ids are read from the org first (queryAll).
 * `formula` is used only when `formulaField` is given.
 */
export async function randomActivity(
  org: SyncTestOrg,
  object: string,
  count: number,
  random: () => number,
  options: { formulaField?: string } = {},
): Promise<ActivityCounts> {
  const write = WRITES[object]
  if (!write) throw new Error(`no write recipe for ${object}`)
  const rows = await org.orgRows(object, ['Id', 'IsDeleted'])
  const alive = [...rows.values()].filter((r) => r.IsDeleted !== true).map((r) => String(r.Id))
  const binned = [...rows.values()].filter((r) => r.IsDeleted === true).map((r) => String(r.Id))
  const counts: ActivityCounts = { insert: 0, update: 0, delete: 0, undelete: 0, purge: 0, formula: 0 }
  const pick = (list: string[]): string | undefined => {
    if (list.length === 0) return undefined
    const i = Math.floor(random() * list.length)
    const [id] = list.splice(i, 1)
    return id
  }
  const kinds: Activity[] = [
    'insert',
    'update',
    'update',
    'update',
    'delete',
    'undelete',
    'purge',
    ...(options.formulaField ? (['formula', 'formula'] as const) : []),
  ]
  for (let n = 0; n < count; n++) {
    const kind = kinds[Math.floor(random() * kinds.length)] as Activity
    const base = `/records/${object}`
    if (kind === 'insert') {
      const { id } = (await org.control('POST', base, write(random, n))) as { id: string }
      alive.push(id)
    } else if (kind === 'update') {
      const id = pick(alive)
      if (!id) continue
      await org.control('PATCH', `${base}/${id}`, write(random, n))
      alive.push(id)
    } else if (kind === 'delete') {
      const id = pick(alive)
      if (!id) continue
      await org.control('DELETE', `${base}/${id}`)
      binned.push(id)
    } else if (kind === 'undelete') {
      const id = pick(binned)
      if (!id) continue
      await org.control('POST', `${base}/${id}/undelete`)
      alive.push(id)
    } else if (kind === 'purge') {
      const id = random() < 0.5 ? pick(binned) : pick(alive)
      if (!id) continue
      await org.control('DELETE', `${base}/${id}/purge`)
    } else {
      const id = pick(alive)
      if (!id || !options.formulaField) continue
      await org.control('PATCH', `${base}/${id}/formula`, {
        [options.formulaField]: Math.round(random() * 1e6) / 100,
      })
      alive.push(id)
    }
    counts[kind]++
  }
  return counts
}
