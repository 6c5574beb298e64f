/**
 * The recycle bin: delete (IsDeleted = true, `_deletedMs` set), undelete and purge, each cascading to
 * the records whose lookup cascades deletes (Contacts and Opportunities of an Account, Tasks of their
 * Who/What). Children deleted with a parent share its `_deletedMs`, which is how undelete and purge
 * find them again. Run inside the caller's transaction.
 */
import type { RecordChange } from '../org-data.ts'
import type { OrgSObjectSchema } from '../schema/sobject-schema.ts'
import type { Row } from './derived-fields.ts'
import type { StoredRow } from './record-json.ts'
import type { RecordStore } from './record-store.ts'
import type { WriteChecks } from './write-checks.ts'

/** Reports one change (queued until the transaction commits). */
export type EmitChange = (
  op: RecordChange['op'],
  schema: OrgSObjectSchema,
  id: string,
  systemModstampMs: number,
) => void

/** Sets the audit fields of a write: Created* on insert, LastModified* and SystemModstamp always. */
export function stampWrite(
  schema: OrgSObjectSchema,
  row: Row,
  now: number,
  userId: string,
  created: boolean,
): void {
  if (created && schema.has('CreatedDate')) row.CreatedDate = now
  if (created && schema.has('CreatedById')) row.CreatedById = userId
  if (schema.has('LastModifiedDate')) row.LastModifiedDate = now
  if (schema.has('LastModifiedById')) row.LastModifiedById = userId
  if (schema.has('SystemModstamp')) row.SystemModstamp = now
}

/** Recycle-bin operations over one org database. */
export class RecycleBin {
  readonly #store: RecordStore
  readonly #checks: WriteChecks
  readonly #emit: EmitChange

  constructor(store: RecordStore, checks: WriteChecks, emit: EmitChange) {
    this.#store = store
    this.#checks = checks
    this.#emit = emit
  }

  delete(schema: OrgSObjectSchema, row: StoredRow, now: number, userId: string): void {
    if (schema.has('IsDeleted')) row.IsDeleted = 1
    row._deletedMs = now
    stampWrite(schema, row, now, userId, false)
    this.#store.update(schema, row)
    this.#emit('delete', schema, String(row.Id), now)
    // Master-detail style children go to the recycle bin with their parent (cascadeDelete).
    for (const [child, childRow] of this.#store.cascadeChildren(schema, String(row.Id), null)) {
      // A child reached through two parents (a Task of a deleted Contact and Account) is deleted once.
      const fresh = this.#store.byId(child.name, String(childRow.Id))
      if (fresh && fresh._deletedMs === null) this.delete(child, fresh, now, userId)
    }
  }

  undelete(schema: OrgSObjectSchema, row: StoredRow, deletedMs: number, now: number, userId: string): void {
    // A unique value taken while the record sat in the recycle bin blocks its return.
    for (const f of schema.storedFields) {
      if (f.unique === true) this.#checks.unique(schema, f, row[f.name] ?? null, Number(row._rowid))
    }
    if (schema.has('IsDeleted')) row.IsDeleted = 0
    row._deletedMs = null
    stampWrite(schema, row, now, userId, false)
    this.#store.update(schema, row)
    this.#emit('undelete', schema, String(row.Id), now)
    // Children deleted together with the record come back with it.
    for (const [child, childRow] of this.#store.cascadeChildren(schema, String(row.Id), deletedMs)) {
      const fresh = this.#store.byId(child.name, String(childRow.Id))
      if (fresh && fresh._deletedMs === deletedMs) this.undelete(child, fresh, deletedMs, now, userId)
    }
  }

  purge(schema: OrgSObjectSchema, row: StoredRow, now: number): void {
    const deletedMs = row._deletedMs === null ? now : Number(row._deletedMs)
    const children = this.#store.cascadeChildren(
      schema,
      String(row.Id),
      row._deletedMs === null ? null : deletedMs,
    )
    this.#store.purge(schema, row, deletedMs)
    this.#emit('purge', schema, String(row.Id), now)
    for (const [child, childRow] of children) {
      const fresh = this.#store.byId(child.name, String(childRow.Id))
      if (fresh) this.purge(child, fresh, now)
    }
  }
}
