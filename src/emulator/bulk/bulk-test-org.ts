/**
 * TEST SCAFFOLDING ONLY: a small in-memory OrgData (Account and Contact, a SELECT-list-only query) and a
 * Bulk-only server around it, so that the Bulk layer can be tested while the record layer and the SOQL
 * engine are being built. The tests move to `startEmulator()` once those land.
 */
import { parseQuery } from '@jetstreamapp/soql-parser-js'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../app.ts'
import { EmulatorOrg } from '../org.ts'
import { makeId } from '../ids.ts'
import { formatSfDateTime } from '../clock.ts'
import {
  DmlError,
  SoqlError,
  type DescribeField,
  type JsonValue,
  type OrgData,
  type QueryCursor,
  type RecordFields,
  type SObjectSchema,
} from '../data/org-data.ts'
import type { EmulatorContext } from '../context.ts'
import { createOAuthServer } from '../oauth/oauth-server.ts'
import { registerBulkRoutes } from './bulk-routes.ts'

const f = (name: string, type: string, extra: Record<string, unknown> = {}): DescribeField => ({
  name,
  type,
  label: name,
  ...extra,
})

const FIELDS: Record<string, DescribeField[]> = {
  Account: [
    f('Id', 'id'),
    f('IsDeleted', 'boolean'),
    f('Name', 'string'),
    f('Description', 'textarea'),
    f('AnnualRevenue', 'currency'),
    f('NumberOfEmployees', 'int'),
    f('Active__c', 'boolean'),
    f('SLA__c', 'date'),
    f('CreatedDate', 'datetime'),
    f('ParentId', 'reference', { referenceTo: ['Account'], relationshipName: 'Parent' }),
    f('BillingCity', 'string', { compoundFieldName: 'BillingAddress' }),
    f('BillingAddress', 'address'),
    f('Ext__c', 'string', { externalId: true, idLookup: true }),
  ],
  Contact: [
    f('Id', 'id'),
    f('IsDeleted', 'boolean'),
    f('LastName', 'string'),
    f('AccountId', 'reference', { referenceTo: ['Account'], relationshipName: 'Account' }),
  ],
  Attachment: [f('Id', 'id'), f('Name', 'string')],
}
const PREFIX: Record<string, string> = { Account: '001', Contact: '003', Attachment: '00P' }

function schemaOf(name: string): SObjectSchema {
  const fields = FIELDS[name] ?? []
  return {
    name,
    describe: { name, keyPrefix: PREFIX[name] ?? null, fields, custom: false },
    lastModifiedMs: 0,
    field: (n: string) => fields.find((x) => x.name.toLowerCase() === n.toLowerCase()),
  }
}

interface StoredRecord {
  fields: RecordFields
  deleted: boolean
}

/** In-memory records with the OrgData contract's shapes (scaffolding, see the file comment). */
export class FakeOrgData implements OrgData {
  readonly #schemas = Object.keys(FIELDS).map(schemaOf)
  readonly records = new Map<string, Map<string, StoredRecord>>()
  #next = 1

  schemas(): readonly SObjectSchema[] {
    return this.#schemas
  }
  schema(name: string): SObjectSchema | undefined {
    return this.#schemas.find((s) => s.name.toLowerCase() === name.toLowerCase())
  }
  #table(sobject: string): Map<string, StoredRecord> {
    const schema = this.schema(sobject)
    if (!schema) throw new DmlError('INVALID_TYPE', `sObject type '${sobject}' is not supported.`)
    let table = this.records.get(schema.name)
    if (!table) {
      table = new Map<string, StoredRecord>()
      this.records.set(schema.name, table)
    }
    return table
  }
  query(soql: string, options: { includeDeleted: boolean }): QueryCursor {
    let parsed
    try {
      parsed = parseQuery(soql)
    } catch {
      throw new SoqlError('MALFORMED_QUERY', `\n${soql}\n^\nERROR at Row:1:Column:1\nunexpected token`)
    }
    const schema = this.schema(parsed.sObject ?? '')
    if (!schema) throw new SoqlError('INVALID_TYPE', `sObject type '${parsed.sObject}' is not supported.`)
    const columns: string[] = []
    for (const field of parsed.fields ?? []) {
      if (field.type === 'Field') {
        const d = schema.field(field.field)
        if (!d)
          throw new SoqlError('INVALID_FIELD', `No such column '${field.field}' on entity '${schema.name}'.`)
        columns.push(d.name)
      } else if (field.type === 'FieldRelationship') {
        columns.push([...field.relationships, field.field].join('.'))
      }
    }
    const rows = [...this.#table(schema.name).values()].filter((r) => options.includeDeleted || !r.deleted)
    const value = (rec: StoredRecord, column: string): JsonValue => {
      const parts = column.split('.')
      let current: StoredRecord | undefined = rec
      for (const rel of parts.slice(0, -1)) {
        const link = schemaOf(schema.name).describe.fields.find((x) => x.relationshipName === rel)
        const id: JsonValue | undefined = link ? current?.fields[link.name] : undefined
        current = typeof id === 'string' ? this.records.get('Account')?.get(id) : undefined
      }
      if (!current) return null
      const last = parts[parts.length - 1] ?? ''
      if (last === 'IsDeleted') return current.deleted
      return current.fields[last] ?? null
    }
    return {
      totalSize: rows.length,
      columns,
      fetch: () => [],
      *rows(offset: number, count: number): Iterable<readonly JsonValue[]> {
        for (const rec of rows.slice(offset, offset + count)) yield columns.map((c) => value(rec, c))
      },
    }
  }
  create(sobject: string, fields: RecordFields, _ctx: unknown): string {
    const table = this.#table(sobject)
    const schema = this.schema(sobject) as SObjectSchema
    if (schema.name === 'Account' && (fields.Name === undefined || fields.Name === null))
      throw new DmlError('REQUIRED_FIELD_MISSING', 'Required fields are missing: [Name]', ['Name'])
    const id = makeId(schema.describe.keyPrefix ?? '000', '5e', this.#next++)
    table.set(id, {
      fields: { Id: id, CreatedDate: formatSfDateTime(Date.now()), ...fields },
      deleted: false,
    })
    return id
  }
  retrieve(sobject: string, id: string): RecordFields | undefined {
    const rec = this.#table(sobject).get(id)
    return rec && !rec.deleted ? rec.fields : undefined
  }
  update(sobject: string, id: string, fields: RecordFields): void {
    const rec = this.#table(sobject).get(id)
    if (!rec || rec.deleted) throw new DmlError('ENTITY_IS_DELETED', 'entity is deleted', [], 404)
    Object.assign(rec.fields, fields)
  }
  delete(sobject: string, id: string): void {
    const rec = this.#table(sobject).get(id)
    if (!rec || rec.deleted) throw new DmlError('ENTITY_IS_DELETED', 'entity is deleted', [], 404)
    rec.deleted = true
  }
  undelete(sobject: string, id: string): void {
    const rec = this.#table(sobject).get(id)
    if (rec) rec.deleted = false
  }
  purge(sobject: string, id: string): void {
    if (!this.#table(sobject).delete(id))
      throw new DmlError('ENTITY_IS_DELETED', 'entity is deleted', [], 404)
  }
  findByExternalId(sobject: string, field: string, value: JsonValue): string[] {
    return [...this.#table(sobject).entries()]
      .filter(([, r]) => !r.deleted && r.fields[field] === value)
      .map(([id]) => id)
  }
  upsert(sobject: string, field: string, value: JsonValue, fields: RecordFields, ctx: unknown) {
    const ids = this.findByExternalId(sobject, field, value)
    if (ids.length > 1) throw new DmlError('MULTIPLE_CHOICES', 'more than one record', [field], 300)
    if (ids[0]) {
      this.update(sobject, ids[0], fields)
      return { id: ids[0], created: false }
    }
    return { id: this.create(sobject, { ...fields, [field]: value }, ctx), created: true }
  }
  updated(): never {
    throw new Error('not in the scaffolding')
  }
  deleted(): never {
    throw new Error('not in the scaffolding')
  }
  count(sobject: string): number {
    return [...this.#table(sobject).values()].filter((r) => !r.deleted).length
  }
  close(): void {}
}

export interface BulkTestServer {
  readonly url: string
  /** An access token from the real OAuth server (client-credentials grant). */
  readonly token: string
  /** Gets a fresh token (after the emulated clock moved past the session timeout). */
  renewToken(): Promise<void>
  readonly org: EmulatorOrg
  readonly data: FakeOrgData
  readonly app: FastifyInstance
  /** Revokes every session through the control API (the next call gets 401 INVALID_SESSION_ID). */
  revoke(): Promise<void>
  close(): Promise<void>
}

/**
 * Starts the OAuth server and the Bulk routes over real HTTP, on the scaffolding OrgData (or `data`).
 */
export async function startBulkTestServer(data = new FakeOrgData()): Promise<BulkTestServer> {
  const org = new EmulatorOrg({ port: 0, seed: 'bulk-test', records: {} })
  const app = await buildApp({ org })
  const oauth = createOAuthServer(org, data)
  const ctx: EmulatorContext = { org, data, sessions: oauth.sessions }
  await oauth.register(app, ctx)
  await registerBulkRoutes(app, ctx)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  org.instanceUrl = `http://127.0.0.1:${port}`
  org.loginUrl = `http://localhost:${port}`
  const getToken = async (): Promise<string> => {
    const res = await fetch(`${org.instanceUrl}/services/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: oauth.app.consumerKey,
        client_secret: oauth.app.consumerSecret,
      }).toString(),
    })
    const body = (await res.json()) as { access_token?: string }
    if (!body.access_token) throw new Error(`no access token: ${JSON.stringify(body)}`)
    return body.access_token
  }
  let token = await getToken()
  return {
    url: org.instanceUrl,
    get token() {
      return token
    },
    async renewToken() {
      token = await getToken()
    },
    org,
    data,
    app,
    async revoke() {
      const revoked = await fetch(`${org.instanceUrl}/__emulator/sessions/revoke`, {
        method: 'POST',
        headers: { authorization: `Bearer ${org.controlToken}`, 'content-type': 'application/json' },
        body: '{}',
      })
      if (revoked.status !== 200) throw new Error(`revoke failed: ${revoked.status}`)
    },
    close: () => app.close(),
  }
}
