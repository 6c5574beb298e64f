/**
 * The control API's core routes (`/__emulator/...`, bearer controlToken): request counters and the
 * clock. Other parts add their own control routes next to their features (oauth/, data/).
 */
import type { FastifyInstance } from 'fastify'
import { requireControl, sendJson } from '../app.ts'
import { ApiError } from '../errors.ts'
import type { EmulatorContext } from '../context.ts'
import { registerRecordControlRoutes } from './record-routes.ts'

export async function registerControlRoutes(app: FastifyInstance, ctx: EmulatorContext): Promise<void> {
  const { org } = ctx
  await app.register(async (control) => {
    control.addHook('onRequest', async (req) => requireControl(org, req))

    control.get('/__emulator/counters', async (_req, reply) => sendJson(reply, 200, org.counters.snapshot()))
    control.delete('/__emulator/counters', async (_req, reply) => {
      org.counters.reset()
      return reply.code(204).send()
    })

    control.patch('/__emulator/users/:username', async (req, reply) => {
      const { username } = req.params as { username: string }
      const body = (req.body ?? {}) as Record<string, unknown>
      const unknown = Object.keys(body).filter((k) => k !== 'isActive' && k !== 'apiEnabled')
      const bad = ['isActive', 'apiEnabled'].filter((k) => k in body && typeof body[k] !== 'boolean')
      if (unknown.length > 0 || bad.length > 0 || Object.keys(body).length === 0) {
        throw new ApiError(
          400,
          'INVALID_REQUEST',
          'Give {"isActive": boolean} and/or {"apiEnabled": boolean}, nothing else',
        )
      }
      const user = org.updateUser(username, body)
      if (!user) throw new ApiError(404, 'NOT_FOUND', `No user ${username} in the emulated org`)
      return sendJson(reply, 200, {
        username: user.username,
        isActive: user.isActive,
        apiEnabled: user.apiEnabled,
      })
    })

    control.get('/__emulator/clock', async (_req, reply) =>
      sendJson(reply, 200, { now: new Date(org.clock.now()).toISOString(), offsetMs: org.clock.offsetMs }),
    )
    control.post('/__emulator/clock/advance', async (req, reply) => {
      const body = (req.body ?? {}) as { ms?: unknown; seconds?: unknown }
      const ms =
        typeof body.ms === 'number' ? body.ms : typeof body.seconds === 'number' ? body.seconds * 1000 : NaN
      if (!Number.isFinite(ms) || ms < 0)
        throw new ApiError(400, 'INVALID_REQUEST', 'Give {"ms": N} or {"seconds": N}, N >= 0')
      org.clock.advance(ms)
      return sendJson(reply, 200, {
        now: new Date(org.clock.now()).toISOString(),
        offsetMs: org.clock.offsetMs,
      })
    })
  })
  await registerRecordControlRoutes(app, ctx)
}
