/**
 * Write checks that read the database: every lookup must point at a live record of one of its target
 * objects, and unique fields (external ids, Username) must not repeat among live records.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite'
import { DmlError, type DescribeField } from '../org-data.ts'
import type { OrgSObjectSchema } from '../schema/sobject-schema.ts'
import { DELETED_MS_COLUMN, quoteIdent, ROWID_COLUMN, tableName } from '../storage-layout.ts'
import { EXTERNAL_KEY_PREFIXES } from './key-prefixes.ts'
import { malformedId, type SqlValue } from './value-codec.ts'

/** Lookup and uniqueness checks of one org database. */
export class WriteChecks {
  readonly #db: DatabaseSync
  readonly #schemas: ReadonlyMap<string, OrgSObjectSchema>
  readonly #prefixes = new Map<string, string>()
  readonly #statements = new Map<string, StatementSync>()

  constructor(db: DatabaseSync, schemas: ReadonlyMap<string, OrgSObjectSchema>) {
    this.#db = db
    this.#schemas = schemas
    for (const [name, prefix] of Object.entries(EXTERNAL_KEY_PREFIXES)) this.#prefixes.set(name, prefix)
    for (const [name, s] of schemas) if (s.describe.keyPrefix) this.#prefixes.set(name, s.describe.keyPrefix)
  }

  #statement(sql: string): StatementSync {
    let stmt = this.#statements.get(sql)
    if (!stmt) {
      stmt = this.#db.prepare(sql)
      this.#statements.set(sql, stmt)
    }
    return stmt
  }

  /** The org object an id belongs to, by key prefix. */
  objectOf(id: string): string | undefined {
    const prefix = id.slice(0, 3)
    for (const [name, s] of this.#schemas) if (s.describe.keyPrefix === prefix) return name
    return undefined
  }

  /**
   * Checks the lookup `field` of `schema` set to `id` (already a well-formed 18-character id):
   * FIELD_INTEGRITY_EXCEPTION for an id of another object, INVALID_CROSS_REFERENCE_KEY for no such
   * record, ENTITY_IS_DELETED for a record in the recycle bin.
   */
  reference(schema: OrgSObjectSchema, field: DescribeField, id: string): void {
    const targets = Array.isArray(field.referenceTo) ? (field.referenceTo as string[]) : []
    const target = targets.find((t) => this.#prefixes.get(t) === id.slice(0, 3))
    // UNCONFIRMED which of MALFORMED_ID / FIELD_INTEGRITY_EXCEPTION Salesforce picks for a well-formed
    // id of the wrong object; the reference quotes the message with FIELD_INTEGRITY_EXCEPTION.
    if (!target) throw malformedId(field, id, 'FIELD_INTEGRITY_EXCEPTION')
    const targetSchema = this.#schemas.get(target)
    if (!targetSchema) {
      if (target === 'RecordType') {
        const infos = (schema.describe.recordTypeInfos ?? []) as Array<{ recordTypeId: string }>
        if (!infos.some((r) => r.recordTypeId === id)) throw crossReference(field)
      }
      // Other objects the emulator does not hold (Profile, UserRole, ...): the prefix is all we can check.
      return
    }
    const row = this.#statement(
      `SELECT ${quoteIdent(DELETED_MS_COLUMN)} AS d${target === 'User' ? ', "IsActive" AS a' : ''} FROM ${tableName(target)} WHERE "Id" = ?`,
    ).get(id)
    if (!row) throw crossReference(field)
    // UNCONFIRMED status code for a lookup to a record in the recycle bin.
    if (row.d !== null) throw new DmlError('ENTITY_IS_DELETED', 'entity is deleted', [field.name])
    if (field.name === 'OwnerId' && row.a === 0) {
      // UNCONFIRMED wording.
      throw new DmlError(
        'INACTIVE_OWNER_OR_USER',
        `operation performed with inactive user [${id}] as owner of ${schema.describe.label as string}`,
        [field.name],
      )
    }
  }

  /**
   * Throws DUPLICATE_VALUE when another live record (not `selfRowid`) has the same value in the unique
   * field; text compares case-insensitively unless the field is caseSensitive.
   */
  unique(schema: OrgSObjectSchema, field: DescribeField, value: SqlValue, selfRowid: number | null): void {
    if (value === null) return
    const collate = field.caseSensitive === true ? ' COLLATE BINARY' : ''
    const clash = this.#statement(
      `SELECT "Id" AS id FROM ${tableName(schema.name)} WHERE ${quoteIdent(field.name)}${collate} = ? AND ${quoteIdent(
        DELETED_MS_COLUMN,
      )} IS NULL AND ${quoteIdent(ROWID_COLUMN)} IS NOT ? LIMIT 1`,
    ).get(value, selfRowid)
    if (clash) {
      // UNCONFIRMED wording (reference §2.8).
      throw new DmlError(
        'DUPLICATE_VALUE',
        `duplicate value found: ${field.name} duplicates value on record with id: ${String(clash.id)}`,
        [field.name],
      )
    }
  }
}

function crossReference(field: DescribeField): DmlError {
  return new DmlError('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', [field.name])
}
