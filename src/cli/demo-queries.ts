/**
 * The demo's look into the synced SQLite file (node:sqlite, read-only): a few sample queries of the
 * kind the data is synced for, and the rows an incremental run wrote.
 */
import { DatabaseSync } from 'node:sqlite'
import type { SyncRunResult } from '../sync/sync-events.ts'
import type { SalesforceApi } from '../salesforce/data/salesforce-api.ts'
import { countRecords } from '../salesforce/data/rest-query.ts'

type Row = Record<string, unknown>

function cell(v: unknown): string {
  if (v === null || v === undefined) return ''
  if (typeof v === 'number')
    return Number.isInteger(v)
      ? v.toLocaleString('en-US')
      : v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })
  const s = typeof v === 'string' ? v : JSON.stringify(v)
  return s.length > 32 ? `${s.slice(0, 31)}…` : s
}

/** Rows as a small aligned text table (numbers right-aligned), each line indented by two spaces. */
export function tableLines(rows: readonly Row[]): string[] {
  const first = rows[0]
  if (!first) return ['  (no rows)']
  const cols = Object.keys(first)
  const numeric = cols.map((c) => rows.every((r) => typeof r[c] === 'number' || r[c] === null))
  const cells = [cols, ...rows.map((r) => cols.map((c) => cell(r[c])))]
  const widths = cols.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)))
  return cells.map(
    (r, n) =>
      `  ${r
        .map((c, i) => (numeric[i] && n > 0 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd()}`,
  )
}

const SAMPLES: ReadonlyArray<{ readonly title: string; readonly sql: string }> = [
  {
    title: 'top accounts by won opportunity amount',
    sql: `SELECT a.name AS account, a.billingcountry AS country, COUNT(*) AS won, SUM(o.amount) AS amount
          FROM "opportunity" o JOIN "account" a ON a.id = o.accountid
          WHERE o.iswon = 1 AND NOT o.isdeleted AND NOT a.isdeleted
          GROUP BY a.id ORDER BY amount DESC LIMIT 5`,
  },
  {
    title: 'contacts per account country',
    sql: `SELECT COALESCE(a.billingcountry, '(none)') AS country, COUNT(*) AS contacts,
                 COUNT(DISTINCT a.id) AS accounts
          FROM "contact" c JOIN "account" a ON a.id = c.accountid
          WHERE NOT c.isdeleted AND NOT a.isdeleted
          GROUP BY 1 ORDER BY contacts DESC LIMIT 5`,
  },
  {
    title: 'invoice totals by status',
    sql: `SELECT COALESCE(status__c, '(none)') AS status, COUNT(*) AS invoices, SUM(amount__c) AS amount,
                 SUM(total_with_tax__c) AS with_tax
          FROM "invoice__c" WHERE NOT isdeleted GROUP BY 1 ORDER BY amount DESC`,
  },
]

/** The sample queries and their answers, ready to print. */
export function sampleQueriesReport(dbPath: string): string[] {
  const db = new DatabaseSync(dbPath, { readOnly: true })
  try {
    const lines: string[] = []
    for (const { title, sql } of SAMPLES) {
      lines.push(`${title}:`, ...tableLines(db.prepare(sql).all()), '')
    }
    return lines.slice(0, -1)
  } finally {
    db.close()
  }
}

/** The label column of an object's table (Case and Task have none called name). */
function labelColumn(table: string): string {
  return table === 'case' || table === 'task' ? 'subject' : 'name'
}

/**
 * Per object, how many rows the incremental run wrote and deleted, then a few of the rows it wrote
 * (`_sfsync_synced_at` at or after `since`, newest first).
 */
export function changedRowsReport(
  dbPath: string,
  run: SyncRunResult,
  since: string,
  perObject = 2,
): string[] {
  const db = new DatabaseSync(dbPath, { readOnly: true })
  try {
    const counts: Row[] = []
    const samples: Row[] = []
    for (const o of run.objects) {
      const table = o.object.toLowerCase()
      // A soft delete arrives as a written row with isdeleted = true; rowsDeleted counts removed rows.
      const marked = db
        .prepare(`SELECT COUNT(*) AS n FROM "${table}" WHERE _sfsync_synced_at >= ? AND isdeleted`)
        .get(since) as { n: number }
      counts.push({
        object: o.object,
        'rows written': o.rowsWritten,
        'of which deleted in the org': marked.n,
        'rows removed': o.rowsDeleted,
      })
    }
    for (const o of run.objects) {
      if (o.rowsWritten === 0) continue
      const table = o.object.toLowerCase()
      const label = labelColumn(table)
      // Identifiers come from the engine's own table names, quoted all the same.
      const rows = db
        .prepare(
          `SELECT id, "${label}" AS label, systemmodstamp, isdeleted FROM "${table}"
           WHERE _sfsync_synced_at >= ? ORDER BY systemmodstamp DESC LIMIT ?`,
        )
        .all(since, perObject) as Row[]
      for (const r of rows)
        samples.push({
          object: o.object,
          id: r.id,
          label: r.label,
          systemmodstamp: r.systemmodstamp,
          deleted: r.isdeleted ? 'yes' : 'no',
        })
    }
    return [
      'what the incremental run changed (it re-reads a safety window before its cursor, so changes made during the load count too):',
      ...tableLines(counts),
      '',
      `a few of the rows it wrote (newest SystemModstamp first):`,
      ...tableLines(samples),
    ]
  } finally {
    db.close()
  }
}

/**
 * Live rows per object in the org (`SELECT COUNT()`) next to the live rows in the database; the org must
 * be quiet (activity stopped and flushed) for them to be comparable. `equal` is false on any difference.
 */
export async function orgComparison(
  api: SalesforceApi,
  dbPath: string,
  objects: readonly string[],
): Promise<{ lines: string[]; equal: boolean }> {
  const db = new DatabaseSync(dbPath, { readOnly: true })
  try {
    const rows: Row[] = []
    let equal = true
    for (const object of objects) {
      const inOrg = await countRecords(api, `SELECT COUNT() FROM ${object}`)
      const local = db
        .prepare(`SELECT COUNT(*) AS n FROM "${object.toLowerCase()}" WHERE NOT isdeleted`)
        .get() as {
        n: number
      }
      if (local.n !== inOrg) equal = false
      rows.push({
        object,
        'in the org': inOrg,
        'in the database': local.n,
        same: local.n === inOrg ? 'yes' : 'NO',
      })
    }
    return { lines: ['the database against the org (live rows):', ...tableLines(rows)], equal }
  } finally {
    db.close()
  }
}
