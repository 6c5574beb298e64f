/**
 * Registers Bulk API 2.0 (`/services/data/vXX.X/jobs/query`, `/jobs/ingest`) and its control routes
 * (`/__emulator/bulk/...`). Authentication is REST's: a Bearer (or OAuth) access token resolved by the
 * OAuth layer, else 401 INVALID_SESSION_ID, whose body jsforce's Bulk 2.0 client looks for before it
 * refreshes (reference/salesforce-data-api.md §1.4).
 * @example await registerBulkRoutes(app, ctx) // after the REST routes
 */
import type { FastifyInstance } from 'fastify'
import { requireControl, sendJson } from '../app.ts'
import { requireApiSession } from '../rest/rest-auth.ts'
import type { EmulatorContext } from '../context.ts'
import { BulkJobs } from './bulk-jobs.ts'
import { setRequestSession } from './bulk-http.ts'
import { registerQueryRoutes } from './query-routes.ts'
import { registerIngestRoutes } from './ingest-routes.ts'

/** Salesforce's upload limit for one ingest job's data (reference §4.5). */
const MAX_UPLOAD_BYTES = 150 * 1024 * 1024

export async function registerBulkRoutes(app: FastifyInstance, ctx: EmulatorContext): Promise<void> {
  const jobs = await BulkJobs.open(ctx.org)
  // Runs on app.close(), before the emulator closes its record layer: running jobs stop first.
  app.addHook('onClose', async () => jobs.close())
  ctx.org.apiUsage.registerLimit('DailyBulkV2QueryJobs', () => {
    const max = jobs.settings.dailyQueryJobLimit
    return { Max: max, Remaining: Math.max(0, max - jobs.queryJobsToday()) }
  })
  ctx.org.apiUsage.registerLimit('DailyBulkApiBatches', () => {
    const max = jobs.settings.dailyBatchLimit
    return { Max: max, Remaining: Math.max(0, max - jobs.batchesToday()) }
  })

  await app.register(async (bulk) => {
    // CSV uploads are a Bulk-only body type, so the parser lives inside this plugin.
    bulk.addContentTypeParser(
      'text/csv',
      { parseAs: 'buffer', bodyLimit: MAX_UPLOAD_BYTES },
      (_req, body, done) => done(null, body),
    )
    bulk.addHook('onRequest', async (req, reply) => {
      // The REST layer's rules: a live session, an API-enabled user, then one call counted against
      // DailyApiRequests with Sforce-Limit-Info set (UNCONFIRMED that Salesforce counts every Bulk 2.0
      // call; reference §2.6/§6 do not single Bulk out, and its calls are REST calls).
      setRequestSession(req, requireApiSession(ctx, req, reply))
      await jobs.expire()
    })
    registerQueryRoutes(bulk, ctx, jobs)
    registerIngestRoutes(bulk, ctx, jobs)
  })

  await app.register(async (control) => {
    control.addHook('onRequest', async (req) => requireControl(ctx.org, req))
    control.get('/__emulator/bulk/settings', async (_req, reply) => sendJson(reply, 200, jobs.settings))
    control.patch('/__emulator/bulk/settings', async (req, reply) =>
      sendJson(reply, 200, jobs.updateSettings(req.body)),
    )
    control.get('/__emulator/bulk/usage', async (_req, reply) =>
      sendJson(reply, 200, {
        queryJobsToday: jobs.queryJobsToday(),
        batchesToday: jobs.batchesToday(),
        queryJobs: jobs.queryJobs.size,
        ingestJobs: jobs.ingestJobs.size,
      }),
    )
  })
}
