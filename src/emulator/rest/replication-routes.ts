/**
 * Replication: `/sobjects/{X}/updated?start=&end=` and `/sobjects/{X}/deleted?start=&end=`
 * (reference/salesforce-data-api.md §2.7): seconds truncated, start before end, windows of 30 days
 * (updated) and 15 days (deleted) back from now, at most 600,000 ids.
 */
import { ApiError } from '../errors.ts'
import { queryParam, type RestCall, type RestResult, type RestRoute } from './rest-call.ts'
import { requireSchema } from './sobject-support.ts'

const MINUTE_MS = 60_000
const DAY_MS = 86_400_000
export const UPDATED_WINDOW_DAYS = 30
export const DELETED_WINDOW_DAYS = 15
export const MAX_REPLICATION_IDS = 600_000

const ISO_DATETIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$/

/** Milliseconds of an ISO 8601 datetime as the replication resources accept it (UTC when no offset), or undefined. */
export function parseReplicationDate(text: string): number | undefined {
  const m = ISO_DATETIME.exec(text.trim())
  if (!m) return undefined
  const [, y, mo, d, h, mi, s, frac, zone] = m
  const ms = frac ? Number(frac.slice(0, 3).padEnd(3, '0')) : 0
  const local = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0), ms)
  const check = new Date(local)
  if (
    check.getUTCFullYear() !== Number(y) ||
    check.getUTCMonth() !== Number(mo) - 1 ||
    check.getUTCDate() !== Number(d) ||
    Number(h) > 23 ||
    Number(mi) > 59 ||
    Number(s ?? 0) > 59
  )
    return undefined
  let offsetMin = 0
  if (zone && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1
    const digits = zone.slice(1).replace(':', '')
    offsetMin = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2)))
  }
  return local - offsetMin * MINUTE_MS
}

function replicationError(message: string): ApiError {
  // Status and wording UNCONFIRMED (reference §2.7, §8); the code is the documented one.
  return new ApiError(400, 'INVALID_REPLICATION_DATE', message)
}

/** The `[start, end)` window in ms, seconds truncated, checked against the rules and clamped to now. */
function replicationWindow(call: RestCall, windowDays: number): { startMs: number; endMs: number } {
  const raw = { start: queryParam(call.query, 'start'), end: queryParam(call.query, 'end') }
  for (const [name, value] of Object.entries(raw)) {
    // UNCONFIRMED code for a missing parameter: MISSING_ARGUMENT is the API's generic fault for it.
    if (value === undefined || value === '')
      throw new ApiError(400, 'MISSING_ARGUMENT', `Missing required parameter: ${name}`)
  }
  const start = parseReplicationDate(raw.start ?? '')
  const end = parseReplicationDate(raw.end ?? '')
  if (start === undefined) throw replicationError(`start is not a valid ISO 8601 dateTime: ${raw.start}`)
  if (end === undefined) throw replicationError(`end is not a valid ISO 8601 dateTime: ${raw.end}`)
  const startMs = Math.floor(start / MINUTE_MS) * MINUTE_MS
  const endMs = Math.floor(end / MINUTE_MS) * MINUTE_MS
  if (startMs >= endMs) throw replicationError('startDate must chronologically precede endDate')
  const now = call.ctx.org.clock.now()
  if (startMs < Math.floor((now - windowDays * DAY_MS) / MINUTE_MS) * MINUTE_MS) {
    throw replicationError(`startDate cannot be more than ${windowDays} days ago`)
  }
  // Nothing after now can be covered: the window stops at the current minute.
  return { startMs, endMs: Math.min(endMs, Math.floor(now / MINUTE_MS) * MINUTE_MS) }
}

function tooManyIds(): ApiError {
  // Status and wording UNCONFIRMED (reference §2.12).
  return new ApiError(
    400,
    'EXCEEDED_ID_LIMIT',
    `More than ${MAX_REPLICATION_IDS} ids match; choose start and end dates closer together`,
  )
}

function updated(call: RestCall): RestResult {
  const schema = requireSchema(call.ctx.data, call.params.sobject ?? '')
  const { startMs, endMs } = replicationWindow(call, UPDATED_WINDOW_DAYS)
  const result = call.ctx.data.updated(schema.name, startMs, Math.max(startMs, endMs))
  if (result.ids.length > MAX_REPLICATION_IDS) throw tooManyIds()
  return { status: 200, body: { ids: result.ids, latestDateCovered: result.latestDateCovered } }
}

function deleted(call: RestCall): RestResult {
  const schema = requireSchema(call.ctx.data, call.params.sobject ?? '')
  const { startMs, endMs } = replicationWindow(call, DELETED_WINDOW_DAYS)
  const result = call.ctx.data.deleted(schema.name, startMs, Math.max(startMs, endMs))
  if (result.deletedRecords.length > MAX_REPLICATION_IDS) throw tooManyIds()
  return {
    status: 200,
    body: {
      deletedRecords: result.deletedRecords,
      earliestDateAvailable: result.earliestDateAvailable,
      latestDateCovered: result.latestDateCovered,
    },
  }
}

export function replicationRoutes(): RestRoute[] {
  return [
    { method: 'GET', path: 'sobjects/:sobject/updated', handler: updated },
    { method: 'GET', path: 'sobjects/:sobject/deleted', handler: deleted },
  ]
}
