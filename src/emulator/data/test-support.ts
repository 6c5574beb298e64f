/** Opens a small org for the record layer's tests, on a clock the test controls. */
import { EmulatorClock } from '../clock.ts'
import { EmulatorOrg } from '../org.ts'
import { openSqliteOrgData } from './open-org-data.ts'
import type { SqliteOrgData } from './sqlite-org-data.ts'

/** 2026-11-20T12:34:56.789Z: a fixed start, so that tests do not depend on the wall clock. */
export const TEST_EPOCH_MS = Date.UTC(2026, 10, 20, 12, 34, 56, 789)

export const SMALL_COUNTS = {
  User: 3,
  Account: 30,
  Contact: 50,
  Lead: 20,
  Opportunity: 30,
  Case: 20,
  Invoice__c: 30,
  Task: 40,
} as const

export interface TestOrg {
  readonly org: EmulatorOrg
  readonly data: SqliteOrgData
  readonly clock: EmulatorClock
  /** The admin user's id, for WriteContext. */
  readonly userId: string
}

export async function openTestOrg(
  options: { seed?: string; records?: Record<string, number>; dataDir?: string; nowMs?: number } = {},
): Promise<TestOrg> {
  const start = options.nowMs ?? TEST_EPOCH_MS
  const clock = new EmulatorClock(() => start)
  const org = new EmulatorOrg(
    {
      port: 0,
      seed: options.seed ?? 'test-seed',
      records: options.records ?? SMALL_COUNTS,
      ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    },
    clock,
  )
  const data = await openSqliteOrgData(org)
  return { org, data, clock, userId: org.adminUser.id }
}
