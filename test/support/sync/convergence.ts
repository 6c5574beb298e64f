/**
 * The equality the sync tests assert: the destination equals the org, field by field, row by row.
 * The org's side is read through plain REST queryAll (sync-fixture.ts), not through sfsync's client.
 * - every org record (recycle bin included) has a local row with the same value in every column;
 * - soft deletes: a local row the org no longer has (purged) is marked `isdeleted = true`;
 * - hard deletes: no local row for a deleted or purged record.
 */
import assert from 'node:assert/strict'
import type { Destination, CanonicalValue } from '../../../src/store/destination.ts'
import type { SyncTestOrg } from './sync-fixture.ts'

interface DescribeField {
  readonly name: string
  readonly type: string
}

/** The org's fields of an object, compound fields left out (their components are fields). */
export async function orgFields(org: SyncTestOrg, object: string): Promise<DescribeField[]> {
  const d = await org.client.json<{ fields: DescribeField[] }>(
    'GET',
    org.client.dataPath(`sobjects/${object}/describe`),
  )
  return d.fields.filter((f) => f.type !== 'address' && f.type !== 'location')
}

/** Whether a destination value equals the org's REST value of a field of `type` (the equality rule of the sync tests and benches). */
export function sameValue(type: string, local: CanonicalValue | undefined, remoteValue: unknown): boolean {
  if (remoteValue === null || remoteValue === undefined) return local === null || local === undefined
  if (typeof remoteValue === 'object') return false
  const remote = remoteValue as string | number | boolean
  if (local === null || local === undefined) return false
  switch (type) {
    case 'datetime':
      return Date.parse(String(local)) === Date.parse(String(remote).replace(/([+-]\d\d)(\d\d)$/, '$1:$2'))
    case 'double':
    case 'currency':
    case 'percent':
    case 'int':
    case 'long':
      return Math.abs(Number(local) - Number(remote)) <= 1e-9 * Math.max(1, Math.abs(Number(remote)))
    case 'boolean':
      return local === remote
    default:
      return String(local) === String(remote)
  }
}

/** Asserts that `object` converged; returns the number of org records compared. */
export async function assertConverged(
  org: SyncTestOrg,
  dest: Destination,
  object: string,
  options: { hardDeletes?: boolean; fields?: DescribeField[] } = {},
): Promise<number> {
  const fields = options.fields ?? (await orgFields(org, object))
  const remote = await org.orgRows(
    object,
    fields.map((f) => f.name),
  )
  const local = new Map((await dest.readRows(object)).map((r) => [String(r.id), r]))
  const problems: string[] = []
  for (const [id, rec] of remote) {
    const row = local.get(id)
    if (options.hardDeletes && rec.IsDeleted === true) {
      if (row) problems.push(`${id}: deleted in the org, still present locally`)
      continue
    }
    if (!row) {
      problems.push(`${id}: missing locally`)
      continue
    }
    for (const f of fields) {
      const lv = row[f.name.toLowerCase()]
      if (!sameValue(f.type, lv, rec[f.name]))
        problems.push(`${id}.${f.name}: local ${JSON.stringify(lv)} ≠ org ${JSON.stringify(rec[f.name])}`)
    }
  }
  for (const [id, row] of local) {
    if (remote.has(id)) continue
    if (options.hardDeletes) problems.push(`${id}: gone from the org, still present locally`)
    else if (row.isdeleted !== true) problems.push(`${id}: gone from the org, not marked deleted locally`)
  }
  assert.deepEqual(problems.slice(0, 20), [], `${object}: ${problems.length} differences`)
  return remote.size
}
