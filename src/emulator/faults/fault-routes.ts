/**
 * The control API of faults and of the request log (bearer controlToken):
 * - `GET /__emulator/faults`: the rules with their counts (`matched`, `fired`, `remaining`);
 * - `POST /__emulator/faults` `{"rules":[...]}`: adds rules (after the existing ones), 201 with them;
 * - `DELETE /__emulator/faults`: removes every rule; `DELETE /__emulator/faults/{id}`: one rule;
 * - `GET /__emulator/requests?since=SEQ&limit=N`: entries after SEQ, `{requests, lastSeq, latestSeq, dropped}`;
 * - `DELETE /__emulator/requests`: forgets the entries (sequence numbers keep counting).
 */
import type { FastifyInstance } from 'fastify'
import { requireControl, sendJson } from '../app.ts'
import { ApiError } from '../errors.ts'
import type { EmulatorOrg } from '../org.ts'
import { FaultRuleError } from './fault-rules.ts'

function nonNegativeInteger(value: unknown, name: string, fallback: number): number {
  if (value === undefined || value === '') return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0)
    throw new ApiError(
      400,
      'INVALID_REQUEST',
      `${name} must be a whole number >= 0, not ${JSON.stringify(value)}`,
    )
  return n
}

/**
 * Registers the routes (each behind the control token).
 * @example await registerFaultRoutes(app, org)
 */
export async function registerFaultRoutes(app: FastifyInstance, org: EmulatorOrg): Promise<void> {
  const faults = org.faults
  await app.register(async (control) => {
    control.addHook('onRequest', async (req) => requireControl(org, req))

    control.get('/__emulator/faults', async (_req, reply) =>
      sendJson(reply, 200, { rules: faults.listRules() }),
    )

    control.post('/__emulator/faults', async (req, reply) => {
      const body = req.body as { rules?: unknown } | undefined
      try {
        return sendJson(reply, 201, { rules: faults.addRules(body?.rules) })
      } catch (err) {
        if (err instanceof FaultRuleError) throw new ApiError(400, 'INVALID_REQUEST', err.message)
        throw err
      }
    })

    control.delete('/__emulator/faults', async (_req, reply) => {
      faults.clearRules()
      return reply.code(204).send()
    })

    control.delete('/__emulator/faults/:id', async (req, reply) => {
      const { id } = req.params as { id: string }
      if (!faults.removeRule(id)) throw new ApiError(404, 'NOT_FOUND', `There is no fault rule "${id}"`)
      return reply.code(204).send()
    })

    control.get('/__emulator/requests', async (req, reply) => {
      const query = req.query as { since?: unknown; limit?: unknown }
      const since = nonNegativeInteger(query.since, 'since', 0)
      const limit = nonNegativeInteger(query.limit, 'limit', 1000)
      return sendJson(reply, 200, faults.log.since(since, Math.min(limit, 10_000)))
    })

    control.delete('/__emulator/requests', async (_req, reply) => {
      faults.log.clear()
      return reply.code(204).send()
    })
  })
}
