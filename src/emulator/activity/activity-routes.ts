/**
 * Live activity, commit lag and the change journal, wired into the emulator, with their control API
 * (`/__emulator/...`, bearer controlToken):
 *
 * - `GET   /__emulator/activity`        → status `{running, config, planned, applied, pending, failed, byKind}`
 * - `PATCH /__emulator/activity`        body: any of `{rate, mix, objects, seed, commitLagMs, commitLagJitterMs, burstSize}`
 *   → status
 * - `POST  /__emulator/activity/start`  body: optional settings as for PATCH (needs rate > 0) → status
 * - `POST  /__emulator/activity/stop`   → status (planned activities still commit when their lag passes)
 * - `POST  /__emulator/activity/step`   body `{count}` → `{applied, status}`: plans `count` activities now
 *   and applies those already due (all of them when commitLagMs is 0), synchronously
 * - `POST  /__emulator/activity/flush`  → `{applied, status}`: commits every pending activity now
 * - `GET   /__emulator/journal?after=SEQ&limit=N` → `{entries, latestSeq, nextAfter, done, baseline}`
 *
 * Before every request, activities whose commit lag has passed are applied, so what a request sees
 * depends only on the emulated clock, never on a timer's luck.
 */
import type { FastifyInstance } from 'fastify'
import { requireControl, sendJson } from '../app.ts'
import { ApiError } from '../errors.ts'
import type { EmulatorOrg } from '../org.ts'
import type { SqliteOrgData } from '../data/sqlite-org-data.ts'
import { ChangeJournal } from './change-journal.ts'
import { OrgActivity } from './org-activity.ts'
import type { PinnableClock } from './pinnable-clock.ts'

/** Largest journal page. */
export const MAX_JOURNAL_PAGE = 10_000
/** Above this many generated records the journal starts without a baseline unless asked. */
export const BASELINE_RECORD_LIMIT = 50_000

export interface OrgActivityParts {
  readonly activity: OrgActivity
  readonly journal: ChangeJournal
  /** True when the journal starts with a `baseline` entry per generated record. */
  readonly baseline: boolean
  close(): void
}

export interface ActivityOptions {
  /** Activities per second to start with (0: none until the control API starts them). */
  readonly rate?: number
  readonly commitLagMs?: number
  /** Write the baseline (default: when the org holds at most BASELINE_RECORD_LIMIT records). */
  readonly journalBaseline?: boolean
}

function wholeNumber(value: unknown, name: string, fallback: number, max: number): number {
  if (value === undefined) return fallback
  const n = typeof value === 'string' && value !== '' ? Number(value) : value
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0 || n > max)
    throw new ApiError(400, 'INVALID_REQUEST', `${name} must be a whole number from 0 to ${max}`)
  return n
}

/** Creates the activity and the journal, adds the commit hook and the control routes. */
export async function registerActivity(
  app: FastifyInstance,
  org: EmulatorOrg,
  data: SqliteOrgData,
  clock: PinnableClock,
  options: ActivityOptions = {},
): Promise<OrgActivityParts> {
  const activity = new OrgActivity({
    data,
    clock,
    writer: { userId: org.adminUser.id },
    seed: org.options.seed,
  })
  const journal = new ChangeJournal(data, () => clock.unpinnedNow())
  const total = data.schemas().reduce((sum, s) => sum + data.count(s.name), 0)
  const baseline = options.journalBaseline ?? total <= BASELINE_RECORD_LIMIT
  if (baseline) journal.writeBaseline()
  journal.attach()
  if (options.commitLagMs !== undefined || options.rate !== undefined) {
    activity.configure({
      ...(options.commitLagMs !== undefined ? { commitLagMs: options.commitLagMs } : {}),
      ...(options.rate !== undefined ? { rate: options.rate } : {}),
    })
  }
  if ((options.rate ?? 0) > 0) activity.start()

  // Root-level, so that it runs before every route (REST, Bulk, control) registered after it.
  app.addHook('onRequest', async () => {
    activity.flushDue()
  })

  await app.register(async (control) => {
    control.addHook('onRequest', async (req) => requireControl(org, req))
    const status = () => activity.status()

    control.get('/__emulator/activity', async (_req, reply) => sendJson(reply, 200, status()))
    control.patch('/__emulator/activity', async (req, reply) => {
      activity.configure(req.body ?? {})
      return sendJson(reply, 200, status())
    })
    control.post('/__emulator/activity/start', async (req, reply) => {
      const body = req.body ?? {}
      if (typeof body === 'object' && body !== null && Object.keys(body).length > 0) activity.configure(body)
      if (activity.config.rate <= 0)
        throw new ApiError(
          400,
          'INVALID_REQUEST',
          'Set a rate > 0 (activities per second) to start the activity',
        )
      activity.start()
      return sendJson(reply, 200, status())
    })
    control.post('/__emulator/activity/stop', async (_req, reply) => {
      activity.stop()
      return sendJson(reply, 200, status())
    })
    control.post('/__emulator/activity/step', async (req, reply) => {
      const body = (req.body ?? {}) as { count?: unknown }
      const count = wholeNumber(body.count ?? 1, 'count', 1, 100_000)
      const applied = activity.step(count)
      return sendJson(reply, 200, { applied, status: status() })
    })
    control.post('/__emulator/activity/flush', async (_req, reply) => {
      const applied = activity.flushAll()
      return sendJson(reply, 200, { applied, status: status() })
    })
    control.get('/__emulator/journal', async (req, reply) => {
      const query = req.query as { after?: unknown; limit?: unknown }
      const after = wholeNumber(query.after, 'after', 0, Number.MAX_SAFE_INTEGER)
      const limit = wholeNumber(query.limit, 'limit', 1000, MAX_JOURNAL_PAGE)
      const entries = journal.read(after, limit)
      const latestSeq = journal.latestSeq()
      const nextAfter = entries.length > 0 ? (entries[entries.length - 1]?.seq ?? after) : after
      return sendJson(reply, 200, { entries, latestSeq, nextAfter, done: nextAfter >= latestSeq, baseline })
    })
  })

  return {
    activity,
    journal,
    baseline,
    close() {
      activity.close()
      journal.detach()
    },
  }
}
