/**
 * Bulk API 2.0 query jobs: `/services/data/vXX.X/jobs/query[/{id}[/results]]`
 * (reference/salesforce-data-api.md §4.1–4.3).
 */
import { createGzip } from 'node:zlib'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { ApiError } from '../errors.ts'
import type { EmulatorContext } from '../context.ts'
import type { BulkJobs } from './bulk-jobs.ts'
import { QueryJob } from './query-job.ts'
import { runQueryJob } from './query-job-runner.ts'
import { checkBulkQuery, columnKinds } from './bulk-query-check.ts'
import {
  apiVersion,
  csvOptions,
  findJob,
  invalidJob,
  invalidJobState,
  jobListPage,
  requestBody,
  requestSession,
  sendJobJson,
} from './bulk-http.ts'

/** Bulk API 2.0 query exists from v47.0 (SFDOC query_create_job). */
const QUERY_MIN_VERSION = 47

const BASE = '/services/data/:version/jobs/query'

interface JobParams {
  readonly version: string
  readonly id: string
}

/** Opaque page locators (since v49: e.g. `MTAwMDA`, which is base64 of "10000"; reference §4.1). */
export function encodeLocator(offset: number): string {
  return Buffer.from(String(offset)).toString('base64url')
}

export function decodeLocator(locator: string): number | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(locator)) return undefined
  const text = Buffer.from(locator, 'base64url').toString('utf8')
  return /^\d{1,15}$/.test(text) ? Number(text) : undefined
}

function parseMaxRecords(raw: unknown, fallback: number): number {
  if (raw === undefined || raw === '') return fallback
  const n = typeof raw === 'string' && /^\d{1,15}$/.test(raw) ? Number(raw) : NaN
  // UNCONFIRMED: Salesforce's errorCode and text for a bad maxRecords; no upper bound is documented.
  if (!Number.isSafeInteger(n) || n < 1)
    throw new ApiError(
      400,
      'INVALIDPARAMETER',
      `maxRecords must be a positive integer (got ${JSON.stringify(raw)})`,
    )
  return n
}

/** `JOB_NOT_COMPLETE` with the state written as Salesforce's enum (reference §4.1). */
function jobNotComplete(job: QueryJob): ApiError {
  const state = job.state.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()
  return new ApiError(
    412,
    'JOB_NOT_COMPLETE',
    `can only download query results of successfully completed bulk job with status: JOB_COMPLETE. Current status: ${state}`,
  )
}

export function registerQueryRoutes(app: FastifyInstance, ctx: EmulatorContext, jobs: BulkJobs): void {
  app.post(BASE, async (req, reply) => {
    const version = apiVersion(req, QUERY_MIN_VERSION)
    const body = requestBody(req)
    const operation = body.operation
    if (operation !== 'query' && operation !== 'queryAll')
      throw invalidJob(`operation must be query or queryAll (got ${JSON.stringify(operation)})`)
    const query = body.query
    if (typeof query !== 'string' || query.trim() === '')
      throw invalidJob('query is required: the SOQL statement to run')
    const csv = csvOptions(body)
    const limit = jobs.settings.dailyQueryJobLimit
    if (jobs.queryJobsToday() >= limit) {
      // Text as quoted by Estuary's connector (reference §4.3); HTTP status UNCONFIRMED.
      throw new ApiError(
        400,
        'LIMIT_EXCEEDED',
        `Max bulk v2 query jobs (${limit}) per 24 hrs has been reached`,
      )
    }
    const target = checkBulkQuery(ctx.data, query)
    // The SOQL runs now, so that a bad query is refused at creation (its SoqlError becomes the
    // 400 answer) and the rows are fixed at the time the job was created.
    const cursor = ctx.data.query(query, { includeDeleted: operation === 'queryAll' })
    const object = target.schema?.name ?? /\bfrom\s+(\w+)/i.exec(query)?.[1] ?? ''
    const job = new QueryJob({
      id: jobs.newJobId(),
      object,
      createdById: requestSession(req).userId,
      createdMs: jobs.now(),
      apiVersion: version,
      ...csv,
      operation,
      query,
      cursor,
      kinds: target.schema ? columnKinds(ctx.data, target.schema, cursor.columns) : [],
      pkChunkingSupported: target.pkChunkingSupported,
    })
    jobs.queryJobs.set(job.id, job)
    jobs.recordQueryJob()
    // The create response always says UploadComplete, as Salesforce's does, even if work starts at once.
    const info = job.createInfo()
    const fault = ctx.org.faults.bulkJobFault('query', req)
    jobs.schedule(() =>
      runQueryJob(job, {
        dir: jobs.dir,
        rowsPerSlice: jobs.settings.rowsPerSlice,
        now: () => jobs.now(),
        fault,
      }),
    )
    return sendJobJson(reply, 200, info)
  })

  app.get(BASE, async (req, reply) =>
    sendJobJson(reply, 200, jobListPage(req, QUERY_MIN_VERSION, 'V2Query', jobs.queryJobs.values())),
  )

  app.get(`${BASE}/:id`, async (req, reply) => {
    apiVersion(req, QUERY_MIN_VERSION)
    const job = findJob(jobs.queryJobs, (req.params as JobParams).id)
    return sendJobJson(reply, 200, job.statusInfo())
  })

  app.patch(`${BASE}/:id`, async (req, reply) => {
    apiVersion(req, QUERY_MIN_VERSION)
    const job = findJob(jobs.queryJobs, (req.params as JobParams).id)
    const state = requestBody(req).state
    if (state !== 'Aborted')
      throw invalidJobState(`A query job can only be set to Aborted (got ${JSON.stringify(state)})`)
    if (job.isFinal)
      throw invalidJobState(
        `Aborting already ${job.state === 'JobComplete' ? 'Completed' : job.state} Job not allowed`,
      )
    job.cancelled = true
    job.cursor = undefined
    job.transition('Aborted', jobs.now())
    return sendJobJson(reply, 200, job.createInfo())
  })

  app.delete(`${BASE}/:id`, async (req, reply) => {
    apiVersion(req, QUERY_MIN_VERSION)
    const job = findJob(jobs.queryJobs, (req.params as JobParams).id)
    // SFDOC query_delete_job: only UploadComplete, JobComplete, Aborted or Failed jobs can be deleted.
    if (job.state === 'InProgress') throw invalidJobState('Deleting a job in state InProgress is not allowed')
    await jobs.removeQueryJob(job)
    return reply.code(204).send()
  })

  app.get(`${BASE}/:id/results`, async (req, reply) => sendResults(req, reply, jobs))
}

async function sendResults(req: FastifyRequest, reply: FastifyReply, jobs: BulkJobs): Promise<FastifyReply> {
  const version = apiVersion(req, QUERY_MIN_VERSION)
  const job = findJob(jobs.queryJobs, (req.params as JobParams).id)
  if (version !== job.apiVersion) {
    // reference §4.1: results must be fetched with the job's API version, else 409 (body UNCONFIRMED).
    throw new ApiError(
      409,
      'INVALIDJOB',
      `Job ${job.id} was created in API version ${job.apiVersion}.0; request its results with that version`,
    )
  }
  const results = job.results
  if (job.state !== 'JobComplete' || !results) throw jobNotComplete(job)
  const q = req.query as Record<string, unknown>
  const maxRecords = parseMaxRecords(q.maxRecords, jobs.settings.defaultPageSize)
  let first = 0
  if (q.locator !== undefined && q.locator !== '') {
    const decoded = typeof q.locator === 'string' ? decodeLocator(q.locator) : undefined
    // UNCONFIRMED: Salesforce's errorCode and text for an unknown locator.
    if (decoded === undefined || decoded > results.rowCount)
      throw new ApiError(400, 'INVALIDLOCATOR', `Invalid locator ${JSON.stringify(q.locator)}`)
    first = decoded
  }
  const page = await results.page(first, maxRecords)
  const next = first + page.rows
  reply
    .code(200)
    .header('content-type', 'text/csv')
    .header('sforce-numberofrecords', String(page.rows))
    // jsforce loops until the literal `null`: a missing header would make it re-read page one forever.
    .header('sforce-locator', next < results.rowCount ? encodeLocator(next) : 'null')
  const acceptEncoding = req.headers['accept-encoding']
  if (typeof acceptEncoding === 'string' && /\bgzip\b/.test(acceptEncoding)) {
    // Salesforce compresses results on request (reference §4.1). Level 1: speed over size (its own
    // level is UNCONFIRMED); a client decompresses any level alike.
    return reply.header('content-encoding', 'gzip').send(page.stream().pipe(createGzip({ level: 1 })))
  }
  return reply.header('content-length', String(page.contentLength)).send(page.stream())
}
