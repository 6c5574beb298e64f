/**
 * Request helpers shared by the Bulk routes: the API version in the path, job option parsing, job
 * lookup, list paging, and the per-request session.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import { ApiError, notFound } from '../errors.ts'
import { JSON_CONTENT_TYPE } from '../app.ts'
import type { Session } from '../oauth/session.ts'
import { majorOf, parseApiVersion } from '../rest/api-versions.ts'
import { isColumnDelimiter, isLineEnding, type ColumnDelimiter, type LineEnding } from './bulk-csv.ts'
import { jobInfoJson } from './bulk-job.ts'

export interface VersionParams {
  readonly version: string
}

const sessions = new WeakMap<FastifyRequest, Session>()

export function setRequestSession(req: FastifyRequest, session: Session): void {
  sessions.set(req, session)
}

/** The session the auth hook resolved for this request. */
export function requestSession(req: FastifyRequest): Session {
  const session = sessions.get(req)
  if (!session) throw new Error('Bulk route reached without a session')
  return session
}

/**
 * `v58.0` → 58, for a version the org serves and that has the resource (`minimum`); otherwise 404
 * NOT_FOUND, as Salesforce answers any unknown path.
 */
export function apiVersion(req: FastifyRequest, minimum: number): number {
  const { version } = req.params as VersionParams
  const served = parseApiVersion(version)
  const n = served === undefined ? NaN : majorOf(served)
  if (!Number.isFinite(n) || n < minimum) throw notFound()
  return n
}

/** Sends job info (or a list of it) as Salesforce's JSON. */
export function sendJobJson(
  reply: FastifyReply,
  status: number,
  body: Record<string, unknown>,
): FastifyReply {
  return reply.code(status).header('content-type', JSON_CONTENT_TYPE).send(jobInfoJson(body))
}

/**
 * A malformed job request. UNCONFIRMED: Salesforce's errorCode and text for each bad option; the
 * messages here name the option and the values it takes.
 */
export function invalidJob(message: string): ApiError {
  return new ApiError(400, 'INVALIDJOB', message)
}

/** A state change Salesforce refuses (UNCONFIRMED errorCode and texts). */
export function invalidJobState(message: string): ApiError {
  return new ApiError(400, 'INVALIDJOBSTATE', message)
}

export function requestBody(req: FastifyRequest): Record<string, unknown> {
  const body = req.body
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw invalidJob('The request body must be a JSON object describing the job')
  return body as Record<string, unknown>
}

export interface CsvOptions {
  readonly columnDelimiter: ColumnDelimiter
  readonly lineEnding: LineEnding
}

/** `contentType`, `columnDelimiter`, `lineEnding` from a job-create body, with Salesforce's defaults. */
export function csvOptions(body: Record<string, unknown>): CsvOptions {
  if (body.contentType !== undefined && body.contentType !== 'CSV')
    throw invalidJob(`contentType must be CSV (got ${JSON.stringify(body.contentType)})`)
  const columnDelimiter = body.columnDelimiter ?? 'COMMA'
  if (!isColumnDelimiter(columnDelimiter))
    throw invalidJob(
      `columnDelimiter must be one of BACKQUOTE, CARET, COMMA, PIPE, SEMICOLON, TAB (got ${JSON.stringify(columnDelimiter)})`,
    )
  const lineEnding = body.lineEnding ?? 'LF'
  if (!isLineEnding(lineEnding))
    throw invalidJob(`lineEnding must be LF or CRLF (got ${JSON.stringify(lineEnding)})`)
  return { columnDelimiter, lineEnding }
}

/** Looks a job up by its 15- or 18-character id; 404 NOT_FOUND when unknown (or expired, or deleted). */
export function findJob<J>(jobs: ReadonlyMap<string, J>, rawId: string): J {
  const id = rawId.length === 15 ? [...jobs.keys()].find((k) => k.startsWith(rawId)) : rawId
  const job = id === undefined ? undefined : jobs.get(id)
  if (!job) throw notFound()
  return job
}

/**
 * Whether a job list's filters (`jobType`, `concurrencyMode`, `isPkChunkingEnabled`) keep the Bulk 2.0
 * jobs of `jobType`: Classic (Bulk 1.0) and PK chunking are not emulated, and every job is Parallel.
 */
export function listFilter(q: Record<string, unknown>, jobType: 'V2Query' | 'V2Ingest'): boolean {
  const mode = q.concurrencyMode
  return (
    (q.jobType === undefined || q.jobType === jobType) &&
    (mode === undefined || (typeof mode === 'string' && mode.toLowerCase() === 'parallel')) &&
    q.isPkChunkingEnabled !== 'true'
  )
}

/** Jobs per page of `GET /jobs/query` and `GET /jobs/ingest` (reference §4.1). */
export const JOBS_PER_PAGE = 1000

/**
 * One page of a job list: `{done, records, nextRecordsUrl}`. The `queryLocator` is opaque to clients;
 * here it is the position in the list. `nextRecordsUrl` is null on the last page (SFDOC get_all_jobs
 * example; UNCONFIRMED whether it is null or absent).
 */
export function listPage(
  entries: ReadonlyArray<Record<string, unknown>>,
  locator: unknown,
  basePath: string,
): Record<string, unknown> {
  let start = 0
  if (locator !== undefined) {
    const match = typeof locator === 'string' ? /^01g[0-9A-Za-z]*-(\d+)$/.exec(locator) : null
    if (!match) throw invalidJob(`Invalid queryLocator ${JSON.stringify(locator)}`)
    start = Number(match[1])
  }
  const records = entries.slice(start, start + JOBS_PER_PAGE)
  const next = start + records.length
  const done = next >= entries.length
  return {
    done,
    records,
    nextRecordsUrl: done ? null : `${basePath}?queryLocator=01g000000000000AAA-${next}`,
  }
}

/** `GET /jobs/query` and `GET /jobs/ingest`: the jobs of one kind that the request's filters keep, paged. */
export function jobListPage(
  req: FastifyRequest,
  minimum: number,
  jobType: 'V2Query' | 'V2Ingest',
  jobs: Iterable<{ listInfo(): Record<string, unknown> }>,
): Record<string, unknown> {
  const version = apiVersion(req, minimum)
  const q = req.query as Record<string, unknown>
  const listed = listFilter(q, jobType) ? [...jobs].map((j) => j.listInfo()) : []
  const segment = jobType === 'V2Query' ? 'query' : 'ingest'
  return listPage(listed, q.queryLocator, `/services/data/v${version}.0/jobs/${segment}`)
}
