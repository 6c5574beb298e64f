/**
 * Bulk API 2.0 ingest jobs: `/services/data/vXX.X/jobs/ingest[/{id}[/batches|/successfulResults|
 * /failedResults|/unprocessedrecords]]` (reference/salesforce-data-api.md §4.5).
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { FastifyInstance, FastifyReply } from 'fastify'
import { ApiError } from '../errors.ts'
import type { EmulatorContext } from '../context.ts'
import type { BulkJobs } from './bulk-jobs.ts'
import { IngestJob } from './ingest-job.ts'
import { runIngestJob } from './ingest-job-runner.ts'
import { BULK_UNSUPPORTED_OBJECTS, entityNotSupported } from './bulk-query-check.ts'
import type { IngestOperation } from './bulk-job.ts'
import type { ResultsFile } from './results-file.ts'
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

/** Bulk API 2.0 ingest exists from v41.0 (SFDOC create_job). */
const INGEST_MIN_VERSION = 41

const BASE = '/services/data/:version/jobs/ingest'
const OPERATIONS: readonly IngestOperation[] = ['insert', 'update', 'upsert', 'delete', 'hardDelete']

interface JobParams {
  readonly version: string
  readonly id: string
}

async function sendCsv(reply: FastifyReply, file: ResultsFile): Promise<FastifyReply> {
  const page = await file.page(0, file.rowCount)
  return reply
    .code(200)
    .header('content-type', 'text/csv')
    .header('content-length', String(page.contentLength))
    .send(page.stream())
}

export function registerIngestRoutes(app: FastifyInstance, ctx: EmulatorContext, jobs: BulkJobs): void {
  app.post(BASE, async (req, reply) => {
    const version = apiVersion(req, INGEST_MIN_VERSION)
    const body = requestBody(req)
    const operation = body.operation
    if (typeof operation !== 'string' || !OPERATIONS.includes(operation as IngestOperation))
      throw invalidJob(`operation must be one of ${OPERATIONS.join(', ')} (got ${JSON.stringify(operation)})`)
    if (typeof body.object !== 'string' || body.object === '')
      throw invalidJob('object is required: the API name of the sObject to load')
    const schema = ctx.data.schema(body.object)
    // UNCONFIRMED errorCode for an unknown object at job creation.
    if (!schema)
      throw new ApiError(400, 'INVALIDENTITY', `Entity '${body.object}' is not supported by the Bulk API.`)
    if (BULK_UNSUPPORTED_OBJECTS.has(schema.name.toLowerCase())) throw entityNotSupported(schema.name)
    let externalIdFieldName: string | undefined
    if (operation === 'upsert') {
      const ext = body.externalIdFieldName
      if (typeof ext !== 'string' || ext === '')
        throw invalidJob('externalIdFieldName is required for upsert: the field that identifies each record')
      const field = schema.field(ext)
      const usable = field && (field.name === 'Id' || field.externalId === true || field.idLookup === true)
      if (!usable)
        throw invalidJob(`Field ${ext} on ${schema.name} is not an external id field (externalIdFieldName)`)
      externalIdFieldName = field.name
    }
    const csv = csvOptions(body)
    const id = jobs.newJobId()
    const job = new IngestJob({
      id,
      object: schema.name,
      createdById: requestSession(req).userId,
      createdMs: jobs.now(),
      apiVersion: version,
      ...csv,
      operation: operation as IngestOperation,
      externalIdFieldName,
      uploadPath: join(jobs.dir, `${id}.upload.csv`),
    })
    jobs.ingestJobs.set(id, job)
    return sendJobJson(reply, 200, job.createInfo())
  })

  app.get(BASE, async (req, reply) =>
    sendJobJson(reply, 200, jobListPage(req, INGEST_MIN_VERSION, 'V2Ingest', jobs.ingestJobs.values())),
  )

  app.get(`${BASE}/:id`, async (req, reply) => {
    apiVersion(req, INGEST_MIN_VERSION)
    return sendJobJson(reply, 200, findJob(jobs.ingestJobs, (req.params as JobParams).id).statusInfo())
  })

  app.put(`${BASE}/:id/batches`, async (req, reply) => {
    apiVersion(req, INGEST_MIN_VERSION)
    const job = findJob(jobs.ingestJobs, (req.params as JobParams).id)
    if (job.state !== 'Open')
      throw invalidJobState(`Job ${job.id} is ${job.state}: data can only be uploaded to an Open job`)
    if (job.uploaded) {
      // Salesforce's text for a second PUT on one job (UNCONFIRMED errorCode and status).
      throw invalidJob(
        `Found multiple contents for job: <${job.id}>, please 'Close' / 'Abort' / 'Delete' the current Job then create a new Job and make sure you only do 'PUT' once on a given Job.`,
      )
    }
    const body = req.body
    if (!Buffer.isBuffer(body))
      throw invalidJob('Upload the job data as the request body, Content-Type: text/csv')
    const limit = jobs.settings.dailyBatchLimit
    if (jobs.batchesToday() >= limit) {
      // UNCONFIRMED text and status for the shared batch allocation (reference §4.5, §6).
      throw new ApiError(400, 'LIMIT_EXCEEDED', `Max bulk batches (${limit}) per 24 hrs has been reached`)
    }
    await writeFile(job.uploadPath, body)
    job.uploaded = true
    // jsforce and simple-salesforce expect 201 Created with an empty body (reference §4.5).
    return reply.code(201).send()
  })

  app.patch(`${BASE}/:id`, async (req, reply) => {
    apiVersion(req, INGEST_MIN_VERSION)
    const job = findJob(jobs.ingestJobs, (req.params as JobParams).id)
    const state = requestBody(req).state
    let info: Record<string, unknown>
    if (state === 'UploadComplete') {
      if (job.state !== 'Open')
        throw invalidJobState(`Invalid state transition from ${job.state} to UploadComplete`)
      if (!job.uploaded) await writeFile(job.uploadPath, '')
      job.transition('UploadComplete', jobs.now())
      // The answer says UploadComplete even when processing starts at once, as Salesforce's does.
      info = job.createInfo()
      const fault = ctx.org.faults.bulkJobFault('ingest', req)
      jobs.schedule(() =>
        runIngestJob(job, {
          data: ctx.data,
          dir: jobs.dir,
          rowsPerSlice: jobs.settings.rowsPerSlice,
          now: () => jobs.now(),
          onBatch: () => jobs.recordBatch(),
          fault,
        }),
      )
    } else if (state === 'Aborted') {
      if (job.isFinal)
        throw invalidJobState(
          `Aborting already ${job.state === 'JobComplete' ? 'Completed' : job.state} Job not allowed`,
        )
      const wasOpen = job.state === 'Open'
      job.cancelled = true
      job.transition('Aborted', jobs.now())
      info = job.createInfo()
      // A queued or running job's runner lists the rows it did not write as unprocessed; an Open job
      // has no runner yet, so one runs now to list every uploaded row as unprocessed.
      if (wasOpen) {
        if (!job.uploaded) await writeFile(job.uploadPath, '')
        jobs.schedule(() =>
          runIngestJob(job, {
            data: ctx.data,
            dir: jobs.dir,
            rowsPerSlice: jobs.settings.rowsPerSlice,
            now: () => jobs.now(),
            onBatch: () => undefined,
          }),
        )
      }
    } else {
      throw invalidJobState(`state must be UploadComplete or Aborted (got ${JSON.stringify(state)})`)
    }
    return sendJobJson(reply, 200, info)
  })

  app.delete(`${BASE}/:id`, async (req, reply) => {
    apiVersion(req, INGEST_MIN_VERSION)
    const job = findJob(jobs.ingestJobs, (req.params as JobParams).id)
    // SFDOC delete_job: only UploadComplete, JobComplete, Aborted or Failed jobs can be deleted.
    if (job.state === 'Open' || job.state === 'InProgress')
      throw invalidJobState(`Deleting a job in state ${job.state} is not allowed`)
    await jobs.removeIngestJob(job)
    return reply.code(204).send()
  })

  const resultRoutes = [
    ['successfulResults', 'successful'],
    ['failedResults', 'failed'],
    ['unprocessedrecords', 'unprocessed'],
  ] as const
  for (const [path, key] of resultRoutes) {
    app.get(`${BASE}/:id/${path}`, async (req, reply) => {
      apiVersion(req, INGEST_MIN_VERSION)
      const job = findJob(jobs.ingestJobs, (req.params as JobParams).id)
      const results = job.results
      // UNCONFIRMED: Salesforce's answer for results of a job that has not finished.
      if (!job.isFinal || !results)
        throw invalidJobState(`Job ${job.id} is ${job.state}: its results are available once it has finished`)
      return sendCsv(reply, results[key])
    })
  }
}
