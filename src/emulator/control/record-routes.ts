/**
 * Control API for records and API usage (`/__emulator/...`, bearer controlToken). Tests use it to
 * change the org behind a client's back — org activity that costs the client no API calls — and to
 * read or steer the `DailyApiRequests` counter:
 *
 * - `POST   /__emulator/records/{X}`                body: fields → 201 `{id}`
 * - `GET    /__emulator/records/{X}/{id}[?fields=]` → 200 record (404 when deleted or absent)
 * - `PATCH  /__emulator/records/{X}/{id}`           body: fields → 204
 * - `DELETE /__emulator/records/{X}/{id}`           → 204 (to the recycle bin)
 * - `POST   /__emulator/records/{X}/{id}/undelete`  → 204
 * - `DELETE /__emulator/records/{X}/{id}/purge`     → 204 (gone for good, queryAll included)
 * - `PATCH  /__emulator/records/{X}/{id}/formula`   body: formula values → 204 (SystemModstamp kept)
 * - `GET    /__emulator/api-usage`                  → `{used, max, remaining}`
 * - `PATCH  /__emulator/api-usage`                  body `{max?, used?}` → the new usage
 * - `DELETE /__emulator/api-usage`                  → 204 (usage back to 0)
 *
 * Writes are made as the org's admin user, or as `?userId=` when given.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { requireControl, sendJson } from '../app.ts'
import { ApiError } from '../errors.ts'
import type { EmulatorContext } from '../context.ts'
import type { WriteContext } from '../data/org-data.ts'
import {
  parseFieldList,
  requireObjectBody,
  requireSchema,
  resolveRecordId,
  withAttributes,
  writableFields,
} from '../rest/sobject-support.ts'
import { MAX_API_VERSION } from '../rest/api-versions.ts'

interface RecordParams {
  sobject: string
  id: string
}

export async function registerRecordControlRoutes(app: FastifyInstance, ctx: EmulatorContext): Promise<void> {
  const { org, data } = ctx

  function writer(req: FastifyRequest): WriteContext {
    const wanted = (req.query as { userId?: unknown }).userId
    if (wanted === undefined) return { userId: org.adminUser.id }
    const user = typeof wanted === 'string' ? org.userById(wanted) : undefined
    if (!user) throw new ApiError(400, 'INVALID_REQUEST', 'userId names no user of the org')
    return { userId: user.id }
  }

  function target(req: FastifyRequest) {
    const { sobject, id } = req.params as RecordParams
    const schema = requireSchema(data, sobject)
    return { schema, id: resolveRecordId(schema, id) }
  }

  function usage() {
    return { used: org.apiUsage.used(), max: org.apiUsage.max, remaining: org.apiUsage.remaining() }
  }

  await app.register(async (control) => {
    control.addHook('onRequest', async (req) => requireControl(org, req))

    control.post('/__emulator/records/:sobject', async (req, reply) => {
      const schema = requireSchema(data, (req.params as RecordParams).sobject)
      const fields = writableFields(schema, requireObjectBody(schema, req.body))
      const id = data.create(schema.name, fields, writer(req))
      return sendJson(reply, 201, { id })
    })

    control.get('/__emulator/records/:sobject/:id', async (req, reply) => {
      const { schema, id } = target(req)
      const fields = parseFieldList(schema, (req.query as { fields?: string }).fields)
      const record = data.retrieve(schema.name, id, fields)
      if (!record) throw new ApiError(404, 'NOT_FOUND', 'The requested resource does not exist')
      return sendJson(reply, 200, withAttributes(schema, `${MAX_API_VERSION}.0`, id, record))
    })

    control.patch('/__emulator/records/:sobject/:id', async (req, reply) => {
      const { schema, id } = target(req)
      const fields = writableFields(schema, requireObjectBody(schema, req.body))
      data.update(schema.name, id, fields, writer(req))
      return reply.code(204).send()
    })

    control.delete('/__emulator/records/:sobject/:id', async (req, reply) => {
      const { schema, id } = target(req)
      data.delete(schema.name, id, writer(req))
      return reply.code(204).send()
    })

    control.post('/__emulator/records/:sobject/:id/undelete', async (req, reply) => {
      const { schema, id } = target(req)
      data.undelete(schema.name, id, writer(req))
      return reply.code(204).send()
    })

    control.delete('/__emulator/records/:sobject/:id/purge', async (req, reply) => {
      const { schema, id } = target(req)
      data.purge(schema.name, id)
      return reply.code(204).send()
    })

    control.patch('/__emulator/records/:sobject/:id/formula', async (req, reply) => {
      const { schema, id } = target(req)
      if (!data.setFormulaValues) {
        throw new ApiError(501, 'NOT_IMPLEMENTED', 'The record layer cannot change formula values alone')
      }
      const body = requireObjectBody(schema, req.body)
      data.setFormulaValues(schema.name, id, writableFields(schema, body))
      return reply.code(204).send()
    })

    control.get('/__emulator/api-usage', async (_req, reply) => sendJson(reply, 200, usage()))

    control.patch('/__emulator/api-usage', async (req, reply) => {
      const body = (req.body ?? {}) as { max?: unknown; used?: unknown }
      const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
      if (body.max === undefined && body.used === undefined)
        throw new ApiError(
          400,
          'INVALID_REQUEST',
          'Give {"max": N} and/or {"used": N}, N a whole number >= 0',
        )
      if (body.max !== undefined && !isCount(body.max))
        throw new ApiError(400, 'INVALID_REQUEST', 'max must be a whole number >= 0')
      if (body.used !== undefined && !isCount(body.used))
        throw new ApiError(400, 'INVALID_REQUEST', 'used must be a whole number >= 0')
      if (body.max !== undefined) org.apiUsage.setMax(body.max)
      if (body.used !== undefined) {
        org.apiUsage.reset()
        org.apiUsage.record(body.used)
      }
      return sendJson(reply, 200, usage())
    })

    control.delete('/__emulator/api-usage', async (_req, reply) => {
      org.apiUsage.reset()
      return reply.code(204).send()
    })
  })
}
