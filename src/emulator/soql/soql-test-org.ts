/**
 * Test support for the SOQL engine: a small org of schemas (the recorded Account and Contact
 * describes plus hand-written User, Task and Widget__c) in an in-memory SQLite database with the
 * storage layout, and a helper to insert rows in REST form.
 */
import { readFileSync } from 'node:fs'
import { DatabaseSync } from 'node:sqlite'
import type { DescribeField, DescribeSObject, SObjectSchema } from '../data/org-data.ts'
import { columnDeclaration, quoteIdent, storageClass, tableName } from '../data/storage-layout.ts'
import { makeId } from '../ids.ts'
import type { SchemaLookup } from './soql-engine.ts'

function schemaOf(describe: DescribeSObject): SObjectSchema {
  const byName = new Map(describe.fields.map((f) => [f.name.toLowerCase(), f]))
  return { name: describe.name, describe, lastModifiedMs: 0, field: (n) => byName.get(n.toLowerCase()) }
}

function loadDescribe(name: string): DescribeSObject {
  const url = new URL(`../data/describes/${name}.json`, import.meta.url)
  return JSON.parse(readFileSync(url, 'utf8')) as DescribeSObject
}

const f = (name: string, type: string, extra: Record<string, unknown> = {}): DescribeField => ({
  name,
  type,
  custom: name.endsWith('__c') || name.endsWith('__s'),
  filterable: true,
  sortable: true,
  groupable: true,
  ...extra,
})
const ref = (name: string, to: string[], relationshipName: string): DescribeField =>
  f(name, 'reference', { referenceTo: to, relationshipName })

const USER: DescribeSObject = {
  name: 'User',
  keyPrefix: '005',
  fields: [
    f('Id', 'id'),
    f('Name', 'string', { nameField: true }),
    f('Email', 'email'),
    f('IsActive', 'boolean'),
    ref('ManagerId', ['User'], 'Manager'),
    f('CreatedDate', 'datetime'),
  ],
}

const WIDGET: DescribeSObject = {
  name: 'Widget__c',
  keyPrefix: 'a01',
  custom: true,
  fields: [
    f('Id', 'id', { custom: false }),
    f('IsDeleted', 'boolean', { custom: false }),
    f('Name', 'string', { custom: false, nameField: true }),
    ref('OwnerId', ['User'], 'Owner'),
    f('Colors__c', 'multipicklist', { sortable: false, groupable: false }),
    ref('Account__c', ['Account'], 'Account__r'),
    f('Amount__c', 'currency'),
    f('Count__c', 'int'),
    f('Ratio__c', 'double'),
    f('Due__c', 'date'),
    f('When__c', 'datetime'),
    f('Flag__c', 'boolean'),
    f('Code__c', 'string'),
    f('Start__c', 'time'),
    f('Notes__c', 'textarea', { filterable: false, sortable: false, groupable: false }),
    f('Loc__c', 'location', { filterable: false, sortable: false, groupable: false }),
    f('Loc__Latitude__s', 'double', { compoundFieldName: 'Loc__c' }),
    f('Loc__Longitude__s', 'double', { compoundFieldName: 'Loc__c' }),
  ],
}

const TASK: DescribeSObject = {
  name: 'Task',
  keyPrefix: '00T',
  fields: [
    f('Id', 'id'),
    f('IsDeleted', 'boolean'),
    f('Subject', 'combobox'),
    ref('WhoId', ['Contact', 'Lead'], 'Who'),
    ref('WhatId', ['Account', 'Widget__c'], 'What'),
    ref('OwnerId', ['Group', 'User'], 'Owner'),
  ],
}

export interface TestOrg extends SchemaLookup {
  readonly db: DatabaseSync
  /** Inserts a record given in REST form (datetimes as ISO strings); returns its Id. */
  insert(sobject: string, fields: Record<string, unknown>): string
  /** Moves a record to the recycle bin. */
  softDelete(sobject: string, id: string, deletedMs?: number): void
  /** Removes a record for good. */
  purge(sobject: string, id: string): void
}

/** A fresh test org in memory (or in `path`). */
export function createTestOrg(path = ':memory:'): TestOrg {
  const schemas = [loadDescribe('Account'), loadDescribe('Contact'), USER, WIDGET, TASK].map(schemaOf)
  const byName = new Map(schemas.map((s) => [s.name.toLowerCase(), s]))
  const db = new DatabaseSync(path)
  for (const s of schemas) {
    const cols = s.describe.fields.map(columnDeclaration).filter((c): c is string => c !== undefined)
    db.exec(
      `CREATE TABLE ${tableName(s.name)} ("_rowid" INTEGER PRIMARY KEY, "_deletedMs" INTEGER, ${cols.join(', ')})`,
    )
    db.exec(`CREATE UNIQUE INDEX ${quoteIdent(`${s.name}_Id`)} ON ${tableName(s.name)} ("Id")`)
  }
  const counters = new Map<string, number>()
  return {
    db,
    schema: (name) => byName.get(name.toLowerCase()),
    insert(sobject, fields) {
      const s = byName.get(sobject.toLowerCase())
      if (!s) throw new Error(`no ${sobject}`)
      const n = (counters.get(s.name) ?? 0) + 1
      counters.set(s.name, n)
      const id = makeId(s.describe.keyPrefix as string, '5e', n)
      const names = ['Id']
      const values: Array<string | number | null> = [id]
      for (const [key, value] of Object.entries(fields)) {
        const field = s.field(key)
        if (!field) throw new Error(`no ${sobject}.${key}`)
        const storage = storageClass(field)
        names.push(field.name)
        if (value === null || value === undefined) values.push(null)
        else if (storage === 'boolean') values.push(value ? 1 : 0)
        else if (storage === 'datetime') values.push(Date.parse(value as string))
        else values.push(value as string | number)
      }
      db.prepare(
        `INSERT INTO ${tableName(s.name)} (${names.map(quoteIdent).join(', ')}) VALUES (${names.map(() => '?').join(', ')})`,
      ).run(...values)
      return id
    },
    softDelete(sobject, id, deletedMs = Date.UTC(2024, 0, 1)) {
      db.prepare(`UPDATE ${tableName(sobject)} SET "_deletedMs" = ?, "IsDeleted" = 1 WHERE "Id" = ?`).run(
        deletedMs,
        id,
      )
    },
    purge(sobject, id) {
      db.prepare(`DELETE FROM ${tableName(sobject)} WHERE "Id" = ?`).run(id)
    },
  }
}
