/**
 * `npm run bench -- emulator-generate [-- N]`: how long the emulator's record layer takes to generate N
 * Accounts (default 1,000,000) into its SQLite database, the process's peak RSS (kernel maxRSS: the
 * generator is synchronous, so a timer could not sample it) and the database file size. One run: the
 * work is deterministic, so the spread between runs is the machine's noise.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { EmulatorOrg } from '../src/emulator/org.ts'
import { openSqliteOrgData, ORG_DATABASE_FILE } from '../src/emulator/data/open-org-data.ts'
import { fmt, mb, printTable } from './_stats.ts'

const count = Number(process.argv[2] ?? 1_000_000)
const dir = mkdtempSync(join(tmpdir(), 'sfsync-bench-emulator-'))
try {
  const records = { Account: count, Contact: 0, Opportunity: 0, Lead: 0, Case: 0, Task: 0, Invoice__c: 0 }
  const org = new EmulatorOrg({ port: 0, seed: 'bench', records, dataDir: dir })
  const started = performance.now()
  const data = await openSqliteOrgData(org)
  const ms = performance.now() - started
  const rows = data.count('Account')
  const size = statSync(join(dir, ORG_DATABASE_FILE)).size
  data.close()
  const peak = process.resourceUsage().maxRSS * 1024
  printTable([
    ['object', 'rows', 'seconds', 'rows/s', 'peak RSS', 'database file'],
    ['Account', fmt(rows), (ms / 1000).toFixed(1), fmt((rows * 1000) / ms), mb(peak), mb(size)],
  ])
} finally {
  rmSync(dir, { recursive: true, force: true })
}
