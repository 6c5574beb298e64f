/**
 * Control API for runtime schema changes (`/__emulator/...`, bearer controlToken):
 *
 * - `GET    /__emulator/schema`                      → `{sobjects: [{name, lastModified, fields}]}`
 * - `POST   /__emulator/schema/{X}/fields`           body: a field describe, `name` and `type` required,
 *   any other attribute optional (`length`, `precision`, `scale`, `digits`, `label`, `nillable`,
 *   `externalId`, `unique`, `referenceTo`, `relationshipName`, `picklistValues`, `restrictedPicklist`, ...)
 *   → 201 the full field describe
 * - `PATCH  /__emulator/schema/{X}/fields/{name}`    body: attributes to change (`length`, `type`, ...)
 *   → 200 the full field describe
 * - `DELETE /__emulator/schema/{X}/fields/{name}`    → 204 (custom fields only)
 *
 * Every change moves the object's describe Last-Modified to the next whole second of emulated time.
 */
import type { FastifyInstance } from 'fastify'
import { requireControl, sendJson } from '../app.ts'
import { formatSfDateTime } from '../clock.ts'
import type { EmulatorOrg } from '../org.ts'
import type { SqliteOrgData } from '../data/sqlite-org-data.ts'
import { SchemaChanges, type ValuesChanged } from './schema-changes.ts'

interface FieldParams {
  sobject: string
  field: string
}

export async function registerSchemaRoutes(
  app: FastifyInstance,
  org: EmulatorOrg,
  data: SqliteOrgData,
  onValuesChanged?: ValuesChanged,
): Promise<SchemaChanges> {
  const changes = new SchemaChanges(data, () => org.clock.now(), onValuesChanged)
  await app.register(async (control) => {
    control.addHook('onRequest', async (req) => requireControl(org, req))

    control.get('/__emulator/schema', async (_req, reply) =>
      sendJson(reply, 200, {
        sobjects: data.schemas().map((s) => ({
          name: s.name,
          lastModified: formatSfDateTime(s.lastModifiedMs),
          fields: s.describe.fields.length,
        })),
      }),
    )
    control.post('/__emulator/schema/:sobject/fields', async (req, reply) => {
      const { sobject } = req.params as FieldParams
      return sendJson(reply, 201, changes.addField(sobject, req.body))
    })
    control.patch('/__emulator/schema/:sobject/fields/:field', async (req, reply) => {
      const { sobject, field } = req.params as FieldParams
      return sendJson(reply, 200, changes.changeField(sobject, field, req.body))
    })
    control.delete('/__emulator/schema/:sobject/fields/:field', async (req, reply) => {
      const { sobject, field } = req.params as FieldParams
      changes.deleteField(sobject, field)
      return reply.code(204).send()
    })
  })
  return changes
}
