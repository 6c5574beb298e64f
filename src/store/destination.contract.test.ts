/**
 * The destination contract (STYLE.md §9): one suite, run on SQLite (a file of its own per test) and on
 * PostgreSQL (a schema of its own per test, DATABASE_URL from the global setup).
 */
import { describe, test } from 'node:test'
import { DatabaseSync } from 'node:sqlite'
import pg from 'pg'
import assert from 'node:assert/strict'
import { databaseUrl, isolatedPgSchema, isolatedSqlitePath } from '../../test/support/isolation.ts'
import type { TestContextLike } from '../../test/support/isolation.ts'
import { openDestination } from './open-destination.ts'
import type { Destination, FieldSpec, RawValue } from './destination.ts'
import { DestinationValueError } from './destination.ts'

interface StoreUnderTest {
  readonly name: string
  open(t: TestContextLike, now?: () => Date): Promise<Destination>
  /** Names of the indexes on a table, read from the database's catalogue (test-only look behind the port). */
  indexes(t: TestContextLike, table: string): Promise<string[]>
  /** Names of the tables, read from the catalogue. */
  tables(t: TestContextLike): Promise<string[]>
}

const places = new WeakMap<TestContextLike, string>()
const STORES: StoreUnderTest[] = [
  {
    name: 'sqlite',
    open: async (t, now) => {
      const path = isolatedSqlitePath(t)
      places.set(t, path)
      return openDestination(`sqlite:${path}`, { now })
    },
    indexes: async (t, table) => {
      const db = new DatabaseSync(places.get(t) ?? '')
      const rows = db
        .prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL`)
        .all(table)
      db.close()
      return rows.map((r) => String(r.name))
    },
    tables: async (t) => {
      const db = new DatabaseSync(places.get(t) ?? '')
      const rows = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all()
      db.close()
      return rows.map((r) => String(r.name))
    },
  },
  {
    name: 'postgres',
    open: async (t, now) => {
      const schema = await isolatedPgSchema(t)
      places.set(t, schema)
      return openDestination(databaseUrl(), { schema, now })
    },
    indexes: async (t, table) => {
      const client = new pg.Client({ connectionString: databaseUrl() })
      await client.connect()
      const { rows } = await client.query<{ indexname: string }>(
        'SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = $2 AND indexname NOT LIKE $3',
        [places.get(t), table, '%_pkey'],
      )
      await client.end()
      return rows.map((r) => r.indexname)
    },
    tables: async (t) => {
      const client = new pg.Client({ connectionString: databaseUrl() })
      await client.connect()
      const { rows } = await client.query<{ tablename: string }>(
        'SELECT tablename FROM pg_tables WHERE schemaname = $1',
        [places.get(t)],
      )
      await client.end()
      return rows.map((r) => r.tablename)
    },
  },
]

/** Opens the store and closes it when the test ends. */
async function use(store: StoreUnderTest, t: TestContextLike, now?: () => Date): Promise<Destination> {
  const dest = await store.open(t, now)
  t.after(() => dest.close())
  return dest
}

/** One field of every Salesforce type (address is a compound: its components are fields of their own). */
const ALL_TYPES: FieldSpec[] = [
  { name: 'Id', type: 'id', length: 18 },
  { name: 'OwnerId', type: 'reference', length: 18 },
  { name: 'Name', type: 'string', length: 255 },
  { name: 'Description', type: 'textarea', length: 32000 },
  { name: 'Rating', type: 'picklist', length: 255 },
  { name: 'Tags__c', type: 'multipicklist', length: 4099 },
  { name: 'Subject__c', type: 'combobox', length: 255 },
  { name: 'Phone', type: 'phone', length: 40 },
  { name: 'Email__c', type: 'email', length: 80 },
  { name: 'Website', type: 'url', length: 255 },
  { name: 'Secret__c', type: 'encryptedstring', length: 175 },
  { name: 'IsDeleted', type: 'boolean' },
  { name: 'IsActive__c', type: 'boolean' },
  { name: 'NumberOfEmployees', type: 'int', digits: 8 },
  { name: 'Big__c', type: 'long' },
  { name: 'Score__c', type: 'double', precision: 18, scale: 4 },
  { name: 'Ratio__c', type: 'double', precision: 0, scale: 0 },
  { name: 'AnnualRevenue', type: 'currency', precision: 18, scale: 2 },
  { name: 'Share__c', type: 'percent', precision: 5, scale: 2 },
  { name: 'SLADate__c', type: 'date' },
  { name: 'SystemModstamp', type: 'datetime' },
  { name: 'Alarm__c', type: 'time' },
  { name: 'Body__c', type: 'base64' },
  { name: 'OldValue__c', type: 'anyType' },
  { name: 'BillingAddress', type: 'address' },
  { name: 'BillingCity', type: 'string', length: 40 },
  { name: 'BillingLatitude', type: 'double', precision: 18, scale: 15 },
  { name: 'Loc__c', type: 'location' },
]
const NAMES = ALL_TYPES.filter((f) => f.type !== 'address' && f.type !== 'location').map((f) => f.name)
const id = (n: number): string => `001000000000${String(n).padStart(3, '0')}AAA`

/** Rows as they come from CSV (strings/null) and from REST JSON (numbers, booleans). */
function sampleRows(): RawValue[][] {
  const csv: RawValue[] = [
    id(1),
    '005000000000001AAA',
    'Zoë "Acme" ’日本😀',
    'line1\nline2\r\nтаб\there \\ back',
    'Hot',
    'a;b;c',
    'Other',
    '+1 (555) 010',
    'a@b.example',
    'https://x.example/?q=1&r=2',
    '****',
    'false',
    'true',
    '150',
    '9007199254740993',
    '12.3456',
    '0.1',
    '1234567890123456.78',
    '33.33',
    '2024-02-29',
    '2024-01-31T10:00:00.123+0000',
    '22:12:30.999Z',
    '/services/data/v62.0/sobjects/Document/015000000000001AAA/Body',
    'NA',
    'Paris',
    '48.856613000000000',
  ]
  const empty: RawValue[] = [id(2), ...NAMES.slice(1).map((n) => (n === 'IsDeleted' ? 'false' : null))]
  empty[NAMES.indexOf('Name')] = '' // an empty string is kept apart from null
  const json: RawValue[] = [
    id(3),
    null,
    'rest',
    null,
    null,
    null,
    null,
    null,
    null,
    null,
    null,
    false,
    true,
    42,
    12,
    2.5,
    1e-7,
    1234.5,
    0,
    '2000-01-01',
    '2024-01-31T10:00:00.000Z',
    '00:00:00.000Z',
    null,
    123,
    null,
    -0.5,
  ]
  return [csv, empty, json]
}

for (const store of STORES) {
  describe(`destination contract: ${store.name}`, () => {
    test('creates the table: lowercased names, id first, compound fields left out, isdeleted and system columns', async (t) => {
      const dest = await use(store, t)
      const changes = await dest.ensureTable('Account', ALL_TYPES)
      assert.deepEqual(
        changes.map((c) => [c.change, c.after]),
        [['create_table', 'cursor index on systemmodstamp']],
      )
      const cols = (await dest.columns('Account')) ?? []
      assert.deepEqual(
        cols.map((c) => c.column),
        [...NAMES.map((n) => n.toLowerCase()), '_sfsync_synced_at'],
      )
      assert.equal(dest.tableName('Invoice__c'), 'invoice__c')
      assert.equal(await dest.countRows('Account'), 0)
      assert.deepEqual(
        await dest.ensureTable('Account', ALL_TYPES),
        [],
        'a second ensureTable changes nothing',
      )
      const history = await dest.schemaHistory('Account')
      assert.deepEqual(
        history.map((h) => h.change),
        ['create_table'],
      )
    })

    test('every type round-trips exactly: unicode, quotes, newlines, null vs empty, ms datetimes, currency scale', async (t) => {
      const syncedAt = new Date('2025-05-05T05:05:05.555Z')
      const dest = await use(store, t)
      await dest.ensureTable('Account', ALL_TYPES)
      const writer = await dest.openWriter('Account', NAMES, { syncedAt })
      await writer.write(sampleRows())
      await writer.commit({ locator: 'MTAwMDA' })
      await writer.close()
      const rows = await dest.readRows('Account')
      const exact = dest.capabilities.exactDecimals
      assert.deepEqual(rows[0], {
        id: id(1),
        ownerid: '005000000000001AAA',
        name: 'Zoë "Acme" ’日本😀',
        description: 'line1\nline2\r\nтаб\there \\ back',
        rating: 'Hot',
        tags__c: 'a;b;c',
        subject__c: 'Other',
        phone: '+1 (555) 010',
        email__c: 'a@b.example',
        website: 'https://x.example/?q=1&r=2',
        secret__c: '****',
        isdeleted: false,
        isactive__c: true,
        numberofemployees: 150,
        big__c: '9007199254740993',
        score__c: '12.3456',
        ratio__c: '0.1',
        annualrevenue: exact ? '1234567890123456.78' : String(Number('1234567890123456.78')),
        share__c: '33.33',
        sladate__c: '2024-02-29',
        systemmodstamp: '2024-01-31T10:00:00.123Z',
        alarm__c: '22:12:30.999Z',
        body__c: '/services/data/v62.0/sobjects/Document/015000000000001AAA/Body',
        oldvalue__c: 'NA',
        billingcity: 'Paris',
        billinglatitude: '48.856613',
        _sfsync_synced_at: '2025-05-05T05:05:05.555Z',
      })
      const nullRow = rows[1] ?? {}
      assert.equal(nullRow.name, '')
      assert.equal(nullRow.isdeleted, false)
      for (const [k, v] of Object.entries(nullRow))
        if (!['id', 'name', 'isdeleted', '_sfsync_synced_at'].includes(k))
          assert.equal(v, null, `${k} should be null`)
      const rest = rows[2] ?? {}
      assert.deepEqual(
        [
          rest.isactive__c,
          rest.numberofemployees,
          rest.big__c,
          rest.score__c,
          rest.ratio__c,
          rest.annualrevenue,
          rest.share__c,
        ],
        [true, 42, 12, '2.5', '0.0000001', '1234.5', '0'],
      )
      assert.deepEqual(
        [rest.systemmodstamp, rest.alarm__c, rest.oldvalue__c, rest.billinglatitude],
        ['2024-01-31T10:00:00.000Z', '00:00:00.000Z', '123', '-0.5'],
      )
      assert.deepEqual(await dest.readCheckpoint('Account'), { locator: 'MTAwMDA' })
    })

    test('a value that does not fit its column is refused, naming the column and not the value', async (t) => {
      const dest = await use(store, t)
      await dest.ensureTable('Account', ALL_TYPES)
      const cases: [string, RawValue][] = [
        ['IsActive__c', 'yes'],
        ['NumberOfEmployees', '1.5'],
        ['AnnualRevenue', 'lots'],
        ['SLADate__c', '31/01/2024'],
        ['SystemModstamp', 'yesterday'],
        ['Alarm__c', '25:00:00'],
      ]
      for (const [field, value] of cases) {
        const writer = await dest.openWriter('Account', ['Id', field])
        await assert.rejects(writer.write([[id(1), value]]), (e: unknown) => {
          assert.ok(e instanceof DestinationValueError)
          assert.equal(e.column, field.toLowerCase())
          assert.ok(!e.message.includes(String(value)), 'the message must not carry record data')
          return true
        })
      }
      assert.equal(await dest.countRows('Account', { includeDeleted: true }), 0)
    })

    test('upsert is idempotent: replaying a batch changes nothing, not even _sfsync_synced_at', async (t) => {
      const dest = await use(store, t)
      await dest.ensureTable('Account', ALL_TYPES)
      const first = await dest.openWriter('Account', NAMES, {
        syncedAt: new Date('2025-01-01T00:00:00.000Z'),
      })
      await first.write(sampleRows())
      await first.commit()
      await first.close()
      const before = await dest.readRows('Account')
      const replay = await dest.openWriter('Account', NAMES, {
        syncedAt: new Date('2025-02-02T00:00:00.000Z'),
      })
      await replay.write(sampleRows())
      const changedRows = sampleRows()
      ;(changedRows[1] as RawValue[])[NAMES.indexOf('Rating')] = 'Cold'
      await replay.write([changedRows[1] as RawValue[]])
      await replay.commit()
      await replay.close()
      const after = await dest.readRows('Account')
      assert.deepEqual(after[0], before[0])
      assert.deepEqual(after[2], before[2])
      assert.equal(after[1]?.rating, 'Cold')
      assert.equal(after[1]?._sfsync_synced_at, '2025-02-02T00:00:00.000Z')
      assert.equal(await dest.countRows('Account'), 3)
    })

    test('the stale guard keeps a newer row from being overwritten by an older one', async (t) => {
      const dest = await use(store, t)
      await dest.ensureTable('Account', ALL_TYPES)
      const fields = ['Id', 'Name', 'SystemModstamp']
      const w = await dest.openWriter('Account', fields, { staleGuardColumn: 'SystemModstamp' })
      await w.write([[id(1), 'new', '2024-06-01T00:00:00.000Z']])
      await w.commit()
      await w.write([
        [id(1), 'old', '2024-05-01T00:00:00.000+0000'],
        [id(2), 'other', '2024-05-01T00:00:00.000Z'],
      ])
      await w.commit()
      await w.write([[id(1), 'same stamp, formula changed', '2024-06-01T00:00:00.000Z']])
      await w.commit()
      await w.close()
      const rows = await dest.readRows('Account')
      assert.deepEqual(
        rows.map((r) => r.name),
        ['same stamp, formula changed', 'other'],
      )
    })

    test('rows and checkpoint commit together; a failure mid-batch leaves neither', async (t) => {
      const dest = await use(store, t)
      await dest.ensureTable('Account', ALL_TYPES)
      for (const mode of ['upsert', 'insert'] as const) {
        const w = await dest.openWriter('Account', ['Id', 'NumberOfEmployees'], { mode })
        const bad: RawValue[][] = [
          [id(100), '1'],
          [id(101), '2'],
          [id(102), 'not a number'],
          [id(103), '4'],
        ]
        await assert.rejects(w.write(bad), DestinationValueError)
        await assert.rejects(w.commit({ page: 'bad' }), /closed/)
        assert.equal(await dest.countRows('Account'), 0, `${mode}: no row of the failed batch`)
        assert.equal(
          await dest.readCheckpoint('Account'),
          undefined,
          `${mode}: no checkpoint of the failed batch`,
        )
      }
      const ok = await dest.openWriter('Account', ['Id', 'NumberOfEmployees'], { mode: 'insert' })
      await ok.write([
        [id(1), '1'],
        [id(2), '2'],
      ])
      await ok.commit({ page: 1 })
      // A database-level failure (an Id that exists, in insert mode) surfaces at write or at commit.
      let failed = false
      try {
        await ok.write([
          [id(3), '3'],
          [id(1), '9'],
        ])
        await ok.commit({ page: 2 })
      } catch {
        failed = true
      }
      assert.ok(failed, 'a duplicate Id in insert mode must fail')
      assert.deepEqual(await dest.readCheckpoint('Account'), { page: 1 })
      assert.deepEqual(
        (await dest.readRows('Account')).map((r) => [r.id, r.numberofemployees]),
        [
          [id(1), 1],
          [id(2), 2],
        ],
      )
    })

    test('the insert path loads many rows over several commits, building the cursor index at the end', async (t) => {
      const dest = await use(store, t)
      await dest.ensureTable('Account', ALL_TYPES)
      assert.deepEqual(await store.indexes(t, 'account'), ['account_systemmodstamp_idx'])
      const w = await dest.openWriter('Account', ['Id', 'Name', 'Description'], { mode: 'insert' })
      assert.deepEqual(await store.indexes(t, 'account'), [], 'no cursor index while an empty table loads')
      const total = 25_000
      for (let start = 0; start < total; start += 500) {
        const rows: RawValue[][] = []
        for (let i = start; i < start + 500; i++)
          rows.push([`001${String(i).padStart(12, '0')}AAA`, `n${i}`, i % 7 === 0 ? null : 'd\t"x"\n'])
        await w.write(rows)
        if (w.pendingRows >= 10_000) await w.commit({ done: start + 500 })
      }
      await w.commit({ done: total })
      await w.close()
      assert.deepEqual(await store.indexes(t, 'account'), ['account_systemmodstamp_idx'])
      assert.equal(await dest.countRows('Account'), total)
      assert.deepEqual(await dest.readCheckpoint('Account'), { done: total })
      const [row] = await dest.readRows('Account', { ids: ['001000000012345AAA'] })
      assert.deepEqual([row?.name, row?.description], ['n12345', 'd\t"x"\n'])
    })

    test('soft delete marks isdeleted, hard delete removes, each with its checkpoint', async (t) => {
      const dest = await use(store, t, () => new Date('2025-03-03T03:03:03.333Z'))
      await dest.ensureTable('Account', ALL_TYPES)
      const w = await dest.openWriter('Account', ['Id', 'Name'])
      await w.write([
        [id(1), 'a'],
        [id(2), 'b'],
        [id(3), 'c'],
      ])
      await w.commit()
      await w.close()
      assert.equal(await dest.deleteRows('Account', [id(1), id(2), id(9)], { checkpoint: { deletes: 1 } }), 2)
      assert.equal(await dest.deleteRows('Account', [id(1)]), 0, 'already deleted')
      assert.equal(await dest.countRows('Account'), 1)
      assert.equal(await dest.countRows('Account', { includeDeleted: true }), 3)
      const [soft] = await dest.readRows('Account', { ids: [id(1)] })
      assert.deepEqual(
        [soft?.isdeleted, soft?.name, soft?._sfsync_synced_at],
        [true, 'a', '2025-03-03T03:03:03.333Z'],
      )
      assert.equal(
        await dest.deleteRows('Account', [id(2), id(3)], { hard: true, checkpoint: { deletes: 2 } }),
        2,
      )
      assert.deepEqual(
        (await dest.readRows('Account')).map((r) => r.id),
        [id(1)],
      )
      assert.deepEqual(await dest.readCheckpoint('Account'), { deletes: 2 })
    })

    test('id lists longer than one statement can bind are split by the bind-parameter limit', async (t) => {
      const dest = await use(store, t)
      await dest.ensureTable('Account', ALL_TYPES)
      const w = await dest.openWriter('Account', ['Id'])
      await w.write([[id(1)], [id(2)]])
      await w.commit()
      await w.close()
      const many = Array.from(
        { length: dest.capabilities.maxBindParameters + 10 },
        (_, i) => `a0X${String(i).padStart(15, '0')}`,
      )
      many[many.length - 1] = id(2)
      assert.deepEqual(
        (await dest.readRows('Account', { ids: many })).map((r) => r.id),
        [id(2)],
      )
      assert.equal(await dest.deleteRows('Account', many, { hard: true }), 1)
      assert.deepEqual(
        (await dest.readRows('Account')).map((r) => r.id),
        [id(1)],
      )
    })

    test('listIds pages through every local Id in order, soft-deleted ones included', async (t) => {
      const dest = await use(store, t)
      await dest.ensureTable('Account', ALL_TYPES)
      const w = await dest.openWriter('Account', ['Id'])
      const all = Array.from({ length: 25 }, (_, i) => id(i))
      await w.write([...all].reverse().map((x) => [x]))
      await w.commit()
      await w.close()
      await dest.deleteRows('Account', [id(3)])
      const pages: string[][] = []
      for await (const page of dest.listIds('Account', { pageSize: 10 })) pages.push(page)
      assert.deepEqual(
        pages.map((p) => p.length),
        [10, 10, 5],
      )
      assert.deepEqual(pages.flat(), all)
    })

    test('Id stage: both differences by anti-join, in pages, undisturbed by deletes and writes between pages', async (t) => {
      const dest = await use(store, t)
      await dest.ensureTable('Account', ALL_TYPES)
      const w = await dest.openWriter('Account', ['Id'])
      await w.write(Array.from({ length: 25 }, (_, i) => [id(i)]))
      await w.commit()
      await w.close()
      await dest.deleteRows('Account', [id(3)])
      const stage = await dest.openIdStage('Account')
      assert.ok((await store.tables(t)).includes('_sfsync_ids_account'))
      // Ids 5..34, in two batches that overlap (a page read again) and in no particular order.
      await stage.add(Array.from({ length: 20 }, (_, i) => id(24 - i)))
      await stage.add([...Array.from({ length: 20 }, (_, i) => id(15 + i)), id(15)])
      const local: string[][] = []
      for await (const page of stage.localOnly({ pageSize: 2 })) {
        local.push(page)
        // Removing the rows just listed must not make the paging skip or repeat any.
        await dest.deleteRows('Account', page, { hard: true })
      }
      // Soft-deleted rows are local rows too.
      assert.deepEqual(local, [[id(0), id(1)], [id(2), id(3)], [id(4)]])
      const staged: string[][] = []
      for await (const page of stage.stagedOnly({ pageSize: 4 })) {
        staged.push(page)
        // Rows written between pages (the ones just listed, fetched from the org) leave the difference.
        const writer = await dest.openWriter('Account', ['Id'])
        await writer.write(page.map((x) => [x]))
        await writer.commit()
        await writer.close()
      }
      assert.deepEqual(staged, [
        [id(25), id(26), id(27), id(28)],
        [id(29), id(30), id(31), id(32)],
        [id(33), id(34)],
      ])
      for await (const page of stage.stagedOnly()) assert.fail(`still missing: ${page.join(', ')}`)
      for await (const page of stage.localOnly()) assert.fail(`still local only: ${page.join(', ')}`)
      await stage.drop()
      await stage.drop()
      assert.ok(!(await store.tables(t)).includes('_sfsync_ids_account'))
      await assert.rejects(stage.add([id(1)]), /dropped/)
      assert.equal(await dest.countRows('Account', { includeDeleted: true }), 30)
    })

    test('Id stage: a stage left behind (a crashed run) is replaced by the next one', async (t) => {
      const dest = await use(store, t)
      await dest.ensureTable('Account', ALL_TYPES)
      const stale = await dest.openIdStage('Account')
      await stale.add([id(1), id(2)])
      // No drop: the process "died". The next reconciliation starts from an empty stage.
      const stage = await dest.openIdStage('Account')
      const staged = async (): Promise<string[]> => {
        const all: string[] = []
        for await (const page of stage.stagedOnly()) all.push(...page)
        return all
      }
      assert.deepEqual(await staged(), [])
      await stage.add([id(7)])
      assert.deepEqual(await staged(), [id(7)])
      await stage.drop()
    })

    test('Id stage: 200k staged Ids against 100k local rows, counted through the pages', async (t) => {
      const dest = await use(store, t)
      await dest.ensureTable('Account', [
        { name: 'Id', type: 'id' },
        { name: 'IsDeleted', type: 'boolean' },
      ])
      const big = (n: number): string => `001${String(n).padStart(12, '0')}AAA`
      const w = await dest.openWriter('Account', ['Id', 'IsDeleted'], { mode: 'insert' })
      for (let i = 0; i < 100_000; i += 10_000)
        await w.write(Array.from({ length: 10_000 }, (_, j) => [big(i + j), false]))
      await w.commit()
      await w.close()
      const stage = await dest.openIdStage('Account')
      // Org Ids 50,000..249,999 in batches of 25k: 50k local only, 150k staged only.
      for (let i = 50_000; i < 250_000; i += 25_000)
        await stage.add(Array.from({ length: 25_000 }, (_, j) => big(i + j)))
      const count = async (pages: AsyncGenerator<string[]>) => {
        let n = 0
        let first: string | undefined
        let last: string | undefined
        for await (const page of pages) {
          n += page.length
          first ??= page[0]
          last = page[page.length - 1]
        }
        return { n, first, last }
      }
      assert.deepEqual(await count(stage.localOnly()), { n: 50_000, first: big(0), last: big(49_999) })
      assert.deepEqual(await count(stage.stagedOnly({ pageSize: 7_000 })), {
        n: 150_000,
        first: big(100_000),
        last: big(249_999),
      })
      await stage.drop()
    })

    test('schema evolution: add, widen, rebuild, keep removed fields; all recorded', async (t) => {
      const dest = await use(store, t)
      const v1: FieldSpec[] = [
        { name: 'Id', type: 'id' },
        { name: 'Name', type: 'string', length: 10 },
        { name: 'Employees__c', type: 'int', digits: 9 },
        { name: 'Amount__c', type: 'currency', precision: 10, scale: 2 },
        { name: 'Code__c', type: 'string', length: 20 },
        { name: 'Legacy__c', type: 'string', length: 20 },
      ]
      await dest.ensureTable('Thing__c', v1)
      const w = await dest.openWriter(
        'Thing__c',
        v1.map((f) => f.name),
      )
      await w.write([[id(1), 'short', '7', '12345678.91', '42', 'old data']])
      await w.commit()
      await w.close()
      const v2: FieldSpec[] = [
        { name: 'Id', type: 'id' },
        { name: 'Name', type: 'string', length: 255 },
        { name: 'Employees__c', type: 'double', precision: 18, scale: 2 },
        { name: 'Amount__c', type: 'currency', precision: 16, scale: 4 },
        { name: 'Code__c', type: 'date' },
        { name: 'Added__c', type: 'boolean' },
      ]
      const changes = await dest.ensureTable('Thing__c', v2)
      assert.deepEqual(
        changes.map((c) => [c.change, c.column, c.backfill]),
        [
          ['widen_column', 'name', false],
          ['widen_column', 'employees__c', false],
          ['widen_column', 'amount__c', false],
          ['rebuild_column', 'code__c', true],
          ['add_column', 'added__c', true],
          ['field_removed', 'legacy__c', false],
        ],
      )
      assert.deepEqual(await dest.ensureTable('Thing__c', v2), [], 'evolution is idempotent')
      const long = 'a name much longer than ten characters'
      const w2 = await dest.openWriter('Thing__c', ['Id', 'Name', 'Employees__c', 'Code__c', 'Added__c'])
      await w2.write([[id(2), long, '7.25', '2024-01-31', 'true']])
      await w2.commit()
      await w2.close()
      const [kept, fresh] = await dest.readRows('Thing__c')
      assert.deepEqual(
        [kept?.name, kept?.employees__c, kept?.amount__c, kept?.code__c, kept?.legacy__c, kept?.added__c],
        ['short', '7', '12345678.91', null, 'old data', null],
      )
      assert.deepEqual(
        [fresh?.name, fresh?.employees__c, fresh?.code__c, fresh?.added__c],
        [long, '7.25', '2024-01-31', true],
      )
      const cols = new Map(((await dest.columns('Thing__c')) ?? []).map((c) => [c.column, c]))
      assert.equal(cols.get('legacy__c')?.inOrg, false)
      assert.equal(cols.get('code__c')?.backfillPending, true)
      assert.equal(cols.get('added__c')?.backfillPending, true)
      await dest.markBackfilled('Thing__c', ['Code__c', 'Added__c'])
      const after = new Map(((await dest.columns('Thing__c')) ?? []).map((c) => [c.column, c]))
      assert.deepEqual(
        [after.get('code__c')?.backfillPending, after.get('added__c')?.backfillPending],
        [false, false],
      )
      const history = await dest.schemaHistory('Thing__c')
      assert.deepEqual(
        history.map((h) => h.change),
        ['create_table', ...changes.map((c) => c.change)],
      )
      assert.equal(history[4]?.before, 'string:text(20)')
      assert.equal(history[4]?.after, 'date:date')
      // The field comes back: restored, and its values must be fetched again.
      const restored = await dest.ensureTable('Thing__c', [
        ...v2,
        { name: 'Legacy__c', type: 'string', length: 20 },
      ])
      assert.deepEqual(
        restored.map((c) => [c.change, c.column, c.backfill]),
        [['field_restored', 'legacy__c', true]],
      )
    })

    test('run history is stored and read back', async (t) => {
      const dest = await use(store, t)
      const run = {
        runId: 'r1',
        object: 'Account',
        status: 'synced',
        startedAt: new Date('2025-01-01T00:00:00.000Z'),
        finishedAt: new Date('2025-01-01T00:00:10.250Z'),
        rowsWritten: 10,
        rowsDeleted: 1,
        apiCalls: 3,
        details: { strategy: 'bulk' },
      }
      await dest.recordRun({ ...run, status: 'running' })
      await dest.recordRun(run)
      await dest.recordRun({
        ...run,
        object: 'Contact',
        status: 'failed',
        error: 'INVALID_FIELD',
        details: undefined,
        finishedAt: undefined,
      })
      assert.deepEqual(await dest.runs('Account'), [run])
      assert.deepEqual(
        (await dest.runs()).map((r) => [r.object, r.status, r.error]),
        [
          ['Account', 'synced', undefined],
          ['Contact', 'failed', 'INVALID_FIELD'],
        ],
      )
    })

    test('writers refuse unknown fields and rows of the wrong width', async (t) => {
      const dest = await use(store, t)
      await assert.rejects(dest.openWriter('Account', ['Id']), /No table for Account/)
      await dest.ensureTable('Account', ALL_TYPES)
      await assert.rejects(dest.openWriter('Account', ['Id', 'Nope__c']), /no column for field Nope__c/)
      await assert.rejects(dest.openWriter('Account', ['Name']), /must include Id/)
      const w = await dest.openWriter('Account', ['Id', 'Name'])
      if (!dest.capabilities.concurrentTransactions)
        await assert.rejects(
          dest.ensureTable('Contact', [{ name: 'Id', type: 'id' }]),
          /while a writer is open/,
        )
      await assert.rejects(w.write([[id(1)]]), /has 1 values for 2 fields/)
      assert.equal(await dest.countRows('Account'), 0)
    })
  })
}
