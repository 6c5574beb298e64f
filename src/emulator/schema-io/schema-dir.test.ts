/**
 * `--schema DIR` with the recorded describes (../shared/fixtures/salesforce/describe): the org serves
 * exactly those objects, describes equal to the files up to urls and API version, and generated data
 * that respects every field's type, length, picklist values, required flag and lookups.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startActivityTestOrg, type ActivityTestOrg } from '../activity/activity-test-support.ts'
import { startEmulator } from '../emulator.ts'
import { isRequiredOnCreate } from './field-values.ts'

const FIXTURES = '/work/shared/fixtures/salesforce/describe'
const OBJECTS = ['Account', 'Contact', 'Custom__c', 'Opportunity', 'OpportunityContactRole']

type Json = Record<string, unknown>
interface Field extends Json {
  name: string
  type: string
  length: number
  nillable: boolean
  referenceTo: string[]
  picklistValues: Array<{ value: string; active: boolean }>
  digits: number
  precision: number
  scale: number
}

const readFixture = (name: string): Json =>
  JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as Json

/** A describe with its urls (top-level and record types') dropped: they name the host and version. */
function withoutUrls(d: Json): Json {
  const { urls: _urls, ...rest } = d
  const infos = (rest.recordTypeInfos ?? []) as Json[]
  return { ...rest, recordTypeInfos: infos.map(({ urls: _u, ...info }) => info) }
}

let t: ActivityTestOrg
before(async () => {
  t = await startActivityTestOrg({ seed: 'schema-dir', schemaDir: FIXTURES, records: { Contact: 80 } })
})
after(async () => {
  await t?.close()
})

test('describeGlobal lists exactly the objects of the folder', async () => {
  const global = await t.conn.describeGlobal()
  assert.deepEqual(
    global.sobjects.map((s) => s.name),
    OBJECTS,
  )
  const recorded = JSON.parse(readFileSync(join(FIXTURES, '_describeGlobal.json'), 'utf8')) as {
    sobjects: Json[]
  }
  for (const entry of global.sobjects) {
    const file = recorded.sobjects.find((s) => s.name === entry.name)
    if (!file) continue
    assert.equal(entry.keyPrefix, file.keyPrefix, `${entry.name} keyPrefix as recorded`)
    assert.equal(entry.custom, file.custom)
  }
})

test('each describe equals its file up to urls and API version', async () => {
  for (const name of OBJECTS) {
    const served = await t.conn.request<Json>(`/services/data/v60.0/sobjects/${name}/describe`)
    const file = readFixture(name)
    assert.deepEqual(withoutUrls(served), withoutUrls(file), name)
    const servedUrls = (served.urls ?? {}) as Record<string, string>
    const fileUrls = (file.urls ?? {}) as Record<string, string>
    // A recording whose urls were emptied (Custom__c) gets the usual set; others keep their keys.
    if (Object.keys(fileUrls).length > 0)
      assert.deepEqual(Object.keys(servedUrls).sort(), Object.keys(fileUrls).sort(), `${name} urls keys`)
    for (const url of Object.values(servedUrls)) assert.doesNotMatch(url, /v48\.0|vxx\.0/, 'urls name v60.0')
  }
})

test('generated data respects types, lengths, picklists, required fields and lookups', async () => {
  const byId = new Map<string, { sobject: string }>()
  const rows = new Map<string, Json[]>()
  const describes = new Map<string, Field[]>()
  for (const name of OBJECTS) {
    const fields = (readFixture(name).fields as Field[]).filter(
      (f) => f.type !== 'address' && f.type !== 'location',
    )
    describes.set(name, fields)
    const result = await t.conn
      .query<Json>(`SELECT ${fields.map((f) => f.name).join(', ')} FROM ${name}`)
      .run({ scanAll: true, autoFetch: true, maxFetch: 10_000 })
    rows.set(name, result.records)
    for (const r of result.records) byId.set(String(r.Id), { sobject: name })
  }
  assert.equal(rows.get('Contact')?.length, 80, '--records applies to the folder objects')
  assert.equal(rows.get('Account')?.length, 50, 'other objects get the default count')
  let lookups = 0
  let picklists = 0
  for (const [name, records] of rows) {
    const fields = describes.get(name) ?? []
    assert.ok(records.length > 0, `${name} has records`)
    for (const r of records) {
      for (const f of fields) {
        const v = r[f.name]
        const text = typeof v === 'string' ? v : JSON.stringify(v)
        const where = `${name}.${f.name} = ${text}`
        if (isRequiredOnCreate(f)) assert.notEqual(v, null, `${where}: required`)
        if (v === null || v === undefined) continue
        switch (f.type) {
          case 'string':
          case 'textarea':
          case 'phone':
          case 'url':
          case 'email':
            assert.equal(typeof v, 'string', where)
            if (f.length > 0) assert.ok([...text].length <= f.length, `${where}: longer than ${f.length}`)
            if (f.type === 'email') assert.match(text, /^[^@\s]+@[^@\s]+\.[a-z]+$/, where)
            break
          case 'picklist': {
            const values = f.picklistValues.filter((p) => p.active).map((p) => p.value)
            if (values.length > 0) {
              assert.ok(values.includes(text), `${where}: not a picklist value`)
              picklists++
            }
            break
          }
          case 'boolean':
            assert.equal(typeof v, 'boolean', where)
            break
          case 'int':
            assert.ok(Number.isInteger(v) && Math.abs(v as number) < 10 ** (f.digits || 9), where)
            break
          case 'double':
          case 'currency':
          case 'percent':
            assert.equal(typeof v, 'number', where)
            assert.ok(Math.abs(v as number) < 10 ** Math.max(f.precision - f.scale, 1), where)
            break
          case 'date':
            assert.match(text, /^\d{4}-\d\d-\d\d$/, where)
            break
          case 'datetime':
            assert.match(text, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/, where)
            break
          case 'reference': {
            const targets = f.referenceTo.filter((o) => OBJECTS.includes(o))
            if (targets.length === 0) break
            const target = byId.get(text)
            assert.ok(
              target && targets.includes(target.sobject),
              `${where}: points at no ${targets.join('/')}`,
            )
            lookups++
            break
          }
        }
      }
    }
  }
  assert.ok(lookups > 100, `lookups were filled (${lookups})`)
  assert.ok(picklists > 100, `picklists were filled (${picklists})`)
})

test('the sf CLI envelope {status, result} is accepted; a broken folder is refused with a reason', async (tt) => {
  const dir = mkdtempSync(join(tmpdir(), 'sfsync-schema-'))
  tt.after(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(join(dir, 'Custom__c.json'), JSON.stringify({ status: 0, result: readFixture('Custom__c') }))
  const emu = await startEmulator({ seed: 'wrapped', schemaDir: dir, records: { Custom__c: 7 } })
  try {
    const journal = emu.live.journal.read(0, 100)
    assert.equal(journal.length, 7, 'seven records, as asked')
    for (const e of journal) {
      assert.equal(e.sobject, 'Custom__c')
      assert.match(e.id, /^aB5\w{15}$/, 'ids carry the recorded key prefix')
    }
    assert.ok(journal.some((e) => typeof e.record?.CustomField__c === 'string'))
  } finally {
    await emu.close()
  }
  writeFileSync(join(dir, 'Broken.json'), JSON.stringify({ name: 'Broken', fields: [] }))
  await assert.rejects(startEmulator({ schemaDir: dir }), /Broken\.json \(Broken\) has no "fields"/)
  await assert.rejects(startEmulator({ schemaDir: join(dir, 'missing') }), /cannot read folder/)
})

test('live activity runs on a --schema org too', async () => {
  const step = await t.control<{
    applied: number
    status: { failed: number; byKind: Record<string, number> }
  }>('POST', '/activity/step', { count: 300 })
  assert.ok(step.applied >= 290, `activities apply on the recorded objects (${step.applied} of 300)`)
  for (const kind of ['insert', 'update', 'delete']) assert.ok((step.status.byKind[kind] ?? 0) > 0, kind)
  const journal = await t.journal()
  const touched = new Set(journal.filter((e) => e.op !== 'baseline').map((e) => e.sobject))
  assert.ok(touched.has('OpportunityContactRole') && touched.has('Custom__c'), [...touched].join(', '))
})
