import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { isolatedDir } from '../../../test/support/isolation.ts'
import { isValidId } from '../ids.ts'
import { EmulatorOrg } from '../org.ts'
import { ORG_DATABASE_FILE, generationAnchor, openOrgData } from './open-org-data.ts'
import { openTestOrg, SMALL_COUNTS, TEST_EPOCH_MS } from './test-support.ts'
import type { SqliteOrgData } from './sqlite-org-data.ts'
import { columnDeclaration, quoteIdent, tableName } from './storage-layout.ts'

/** A digest of every row of every table, in rowid order. */
function digest(data: SqliteOrgData): string {
  const hash = createHash('sha256')
  for (const s of data.schemas()) {
    for (const row of data.database
      .prepare(`SELECT * FROM ${tableName(s.name)} ORDER BY "_rowid"`)
      .iterate()) {
      hash.update(JSON.stringify(row))
    }
  }
  return hash.digest('hex')
}

test('the same seed gives the same rows; another seed other rows', async () => {
  const a = await openTestOrg({ seed: 'alpha' })
  const b = await openTestOrg({ seed: 'alpha' })
  const c = await openTestOrg({ seed: 'beta' })
  try {
    assert.equal(digest(a.data), digest(b.data))
    assert.notEqual(digest(a.data), digest(c.data))
    // Later the same day: still identical (the history ends at the start of the UTC day).
    const d = await openTestOrg({ seed: 'alpha', nowMs: TEST_EPOCH_MS + 3_600_000 })
    assert.equal(digest(a.data), digest(d.data))
    d.data.close()
  } finally {
    a.data.close()
    b.data.close()
    c.data.close()
  }
})

test('counts follow the options (names case-insensitive); Users are the org users plus generated ones', async () => {
  const { data, org } = await openTestOrg({ records: { account: 7, CONTACT: 3, Task: 0, user: 4 } })
  try {
    assert.equal(data.count('Account'), 7)
    assert.equal(data.count('Contact'), 3)
    assert.equal(data.count('Task'), 0)
    assert.equal(data.count('Lead'), 200)
    assert.equal(data.count('User'), org.users.length + 4)
    assert.equal(data.count('Organization'), 1)
    for (const u of org.users) {
      const user = data.retrieve('User', u.id, ['Username', 'IsActive', 'Name'])
      assert.equal(user?.Username, u.username)
      assert.equal(user?.Name, `${u.firstName} ${u.lastName}`)
    }
    const orgRecord = data.retrieve('Organization', org.orgId, [
      'Name',
      'InstanceName',
      'IsSandbox',
      'OrganizationType',
    ])
    assert.equal(orgRecord?.IsSandbox, false)
    assert.equal(orgRecord?.OrganizationType, 'Developer Edition')
  } finally {
    data.close()
  }
})

test('an unknown object or a bad count is refused with a clear error', async () => {
  const org = (records: Record<string, number>) => new EmulatorOrg({ port: 0, seed: 's', records })
  await assert.rejects(openOrgData(org({ Widget__c: 5 })), /no object named 'Widget__c'/)
  await assert.rejects(openOrgData(org({ Account: -1 })), /whole number >= 0/)
  await assert.rejects(openOrgData(org({ Account: 1.5 })), /whole number >= 0/)
})

test('every id is a valid 18-character id with its object prefix; every lookup resolves', async () => {
  const { data } = await openTestOrg()
  try {
    const db = data.database
    const names = new Set(data.schemas().map((s) => s.name))
    const prefixOf = new Map(data.schemas().map((s) => [s.describe.keyPrefix, s.name]))
    for (const s of data.schemas()) {
      for (const row of db.prepare(`SELECT "Id" FROM ${tableName(s.name)}`).all()) {
        const id = String(row.Id)
        assert.equal(id.length, 18)
        assert.ok(isValidId(id), id)
        assert.equal(id.slice(0, 3), s.describe.keyPrefix)
      }
      for (const f of s.storedFields) {
        if (f.type !== 'reference') continue
        const targets = (f.referenceTo as string[]).filter((t) => names.has(t))
        if (targets.length === 0) continue
        const values = db
          .prepare(
            `SELECT DISTINCT ${quoteIdent(f.name)} AS v FROM ${tableName(s.name)} WHERE ${quoteIdent(f.name)} IS NOT NULL`,
          )
          .all()
        for (const { v } of values) {
          const target = prefixOf.get(String(v).slice(0, 3))
          assert.ok(
            target && targets.includes(target),
            `${s.name}.${f.name} = ${String(v)} points at ${String(target)}`,
          )
          const hit = db.prepare(`SELECT 1 FROM ${tableName(target)} WHERE "Id" = ?`).get(String(v))
          assert.ok(hit, `${s.name}.${f.name} = ${String(v)} resolves`)
        }
      }
    }
    // The generator really sets lookups (not all null).
    const withAccount = db.prepare(`SELECT COUNT(*) AS n FROM "Contact" WHERE "AccountId" IS NOT NULL`).get()
    assert.ok(Number(withAccount?.n) > SMALL_COUNTS.Contact / 2)
  } finally {
    data.close()
  }
})

test('every describe field has a column, or is a compound assembled from its parts', async () => {
  const { data } = await openTestOrg({ records: { Account: 1, Contact: 1 } })
  try {
    for (const s of data.schemas()) {
      const columns = new Set(
        data.database
          .prepare(`PRAGMA table_info(${tableName(s.name)})`)
          .all()
          .map((c) => String(c.name)),
      )
      for (const f of s.describe.fields) {
        if (columnDeclaration(f) === undefined) {
          assert.ok(['address', 'location'].includes(f.type), `${s.name}.${f.name}`)
          assert.ok(s.compounds.some((c) => c.field.name === f.name && c.parts.length > 0))
        } else {
          assert.ok(columns.has(f.name), `${s.name}.${f.name} has a column`)
        }
      }
      assert.ok(columns.has('_rowid') && columns.has('_deletedMs'))
    }
  } finally {
    data.close()
  }
})

test('generated values: audit order, the two-year history, unicode, picklists, formulas', async () => {
  const { data } = await openTestOrg({ records: { Account: 300, Invoice__c: 200, Opportunity: 200 } })
  try {
    const db = data.database
    const anchor = generationAnchor(TEST_EPOCH_MS)
    for (const s of data.schemas()) {
      const bad = db
        .prepare(
          `SELECT COUNT(*) AS n FROM ${tableName(s.name)} WHERE NOT ("CreatedDate" <= "LastModifiedDate" AND "LastModifiedDate" <= "SystemModstamp" AND "SystemModstamp" <= ? AND "CreatedDate" >= ?)`,
        )
        .get(anchor, anchor - 731 * 86_400_000)
      assert.equal(Number(bad?.n), 0, s.name)
    }
    const names = db
      .prepare(`SELECT "Name" AS v FROM "Account"`)
      .all()
      .map((r) => String(r.v))
    assert.ok(
      names.some((n) => /[^\p{ASCII}]/u.test(n)),
      'non-ASCII names',
    )
    assert.ok(
      names.some((n) => n.includes(',') || n.includes('"')),
      'commas or quotes',
    )
    const streets = db
      .prepare(`SELECT "BillingStreet" AS v FROM "Account" WHERE "BillingStreet" IS NOT NULL`)
      .all()
    assert.ok(
      streets.some((r) => String(r.v).includes('\n')),
      'newlines inside text',
    )
    const industries = new Set(
      (data.schema('Account')?.field('Industry')?.picklistValues as Array<{ value: string }>).map(
        (p) => p.value,
      ),
    )
    for (const r of db
      .prepare(`SELECT DISTINCT "Industry" AS v FROM "Account" WHERE "Industry" IS NOT NULL`)
      .all()) {
      assert.ok(industries.has(String(r.v)))
    }
    const tags = db.prepare(`SELECT "Tags__c" AS v FROM "Invoice__c" WHERE "Tags__c" LIKE '%;%'`).all()
    assert.ok(tags.length > 0, 'multipicklist values joined by ;')
    for (const r of db
      .prepare(
        `SELECT "Amount__c" AS a, "Tax_Rate__c" AS t, "Total_With_Tax__c" AS x FROM "Invoice__c" WHERE "Amount__c" IS NOT NULL`,
      )
      .all()) {
      const expected = Math.round(Number(r.a) * (1 + Number(r.t ?? 0) / 100) * 100) / 100
      assert.equal(Number(r.x), expected)
      assert.equal(Math.round(Number(r.a) * 100) / 100, Number(r.a), 'currency at scale 2')
    }
    const won = db
      .prepare(
        `SELECT "IsWon" AS w, "IsClosed" AS c, "Probability" AS p FROM "Opportunity" WHERE "StageName" = 'Closed Won'`,
      )
      .all()
    for (const r of won) assert.deepEqual([r.w, r.c, r.p], [1, 1, 100])
    const ms = db.prepare(`SELECT COUNT(*) AS n FROM "Account" WHERE "CreatedDate" % 1000 <> 0`).get()
    assert.ok(Number(ms?.n) > 0, 'datetimes carry milliseconds')
  } finally {
    data.close()
  }
})

test('the database lives in dataDir when given, else in a temp folder removed on close', async (t) => {
  const dir = isolatedDir(t)
  const inDir = await openTestOrg({ dataDir: dir, records: { Account: 2 } })
  assert.ok(existsSync(join(dir, ORG_DATABASE_FILE)))
  inDir.data.close()
  assert.ok(existsSync(join(dir, ORG_DATABASE_FILE)), 'a given folder is left in place')
  const temp = await openTestOrg({ records: { Account: 2 } })
  const file = temp.data.database.location()
  assert.ok(file && existsSync(file))
  temp.data.close()
  assert.ok(file && !existsSync(file))
})
