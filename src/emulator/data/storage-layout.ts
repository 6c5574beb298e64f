/**
 * How the emulator keeps records in its own SQLite database (node:sqlite, a file in the emulator's data
 * folder, so that 1M rows stay out of the JS heap). The record layer (data/) writes this layout and the
 * SOQL engine (soql/) reads it; this file is the only place either learns it.
 *
 * - One table per sObject, named exactly as the API name (`"Account"`, `"Invoice__c"`).
 * - `_rowid INTEGER PRIMARY KEY`: insertion order, the natural order of unordered queries and Bulk.
 * - One column per stored field, named exactly as the field's API name. Compound fields (`address`,
 *   `location`) are not stored: they are assembled from their components (fields whose
 *   `compoundFieldName` names them). Every other field, formula fields included, is stored; a formula
 *   is recomputed by the record layer when its inputs change, and can be changed alone (without
 *   bumping SystemModstamp) as Salesforce's formulas do.
 * - `_deletedMs INTEGER`: when the record went to the recycle bin (NULL while live). Purged records are
 *   removed from the table and remembered in `_purged` (sobject, Id, deletedMs) for `/deleted`.
 * - `_journal`: the change journal, written by activity/change-journal.ts (not by the record layer).
 */
import type { DescribeField } from './org-data.ts'

/** How a field's value is stored and compared. */
export type StorageClass =
  /** Canonical 18-character id, binary comparison (ids and lookups). */
  | 'id'
  /** Text compared case-insensitively (`TEXT COLLATE NOCASE`), as SOQL compares strings. */
  | 'text'
  /** Text compared byte for byte (base64, encrypted strings). */
  | 'binary-text'
  /** 0 or 1, never NULL. */
  | 'boolean'
  | 'integer'
  /** double, currency, percent. */
  | 'real'
  /** `YYYY-MM-DD`. */
  | 'date'
  /** Milliseconds since the epoch, UTC. */
  | 'datetime'
  /** `HH:MM:SS.sssZ`. */
  | 'time'
  /** Not stored (compound address/location fields). */
  | 'compound'

export function storageClass(field: DescribeField): StorageClass {
  switch (field.type) {
    case 'id':
    case 'reference':
      return 'id'
    case 'boolean':
      return 'boolean'
    case 'int':
      return 'integer'
    case 'double':
    case 'currency':
    case 'percent':
      return 'real'
    case 'date':
      return 'date'
    case 'datetime':
      return 'datetime'
    case 'time':
      return 'time'
    case 'address':
    case 'location':
      return 'compound'
    case 'base64':
    case 'encryptedstring':
      return 'binary-text'
    default:
      // string, textarea, picklist, multipicklist, combobox, phone, email, url, anyType, ...
      return 'text'
  }
}

/** The SQLite column declaration of a stored field. */
export function columnDeclaration(field: DescribeField): string | undefined {
  switch (storageClass(field)) {
    case 'compound':
      return undefined
    case 'id':
    case 'binary-text':
    case 'date':
    case 'time':
      return `${quoteIdent(field.name)} TEXT`
    case 'text':
      return `${quoteIdent(field.name)} TEXT COLLATE NOCASE`
    case 'boolean':
      return `${quoteIdent(field.name)} INTEGER NOT NULL DEFAULT 0`
    case 'integer':
    case 'datetime':
      return `${quoteIdent(field.name)} INTEGER`
    case 'real':
      return `${quoteIdent(field.name)} REAL`
  }
}

/** Quotes an SQLite identifier (table or column name). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`
}

/** The table holding records of `sobject` (its exact API name). */
export function tableName(sobject: string): string {
  return quoteIdent(sobject)
}

export const ROWID_COLUMN = '_rowid'
export const DELETED_MS_COLUMN = '_deletedMs'
export const PURGED_TABLE = '_purged'
