/**
 * The OAuth part of the control API (bearer controlToken): read and change the Connected App, act as the
 * person on the device page, revoke sessions, and read session counts or one token's state. Token
 * values are never returned or logged.
 */
import type { FastifyInstance } from 'fastify'
import { requireControl, sendJson } from '../app.ts'
import { ApiError } from '../errors.ts'
import {
  connectedAppConfigPatchSchema,
  connectedAppConfigSchema,
  describeConfigError,
  type ConnectedAppConfig,
} from './connected-app.ts'
import type { OAuthState } from './oauth-state.ts'

function badRequest(message: string): ApiError {
  return new ApiError(400, 'INVALID_REQUEST', message)
}

function stringField(body: unknown, name: string, required: boolean): string | undefined {
  const value = body && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined
  if (value === undefined && !required) return undefined
  if (typeof value !== 'string' || value === '') throw badRequest(`Give "${name}" as a non-empty string`)
  return value
}

/** Registers `/__emulator/connected-app`, `/__emulator/oauth/...` and `/__emulator/sessions/revoke`. */
export async function registerOAuthControlRoutes(app: FastifyInstance, state: OAuthState): Promise<void> {
  const { org, apps, store, devices, browser } = state

  const view = () => {
    const pendingUntil = apps.pendingUntil()
    return {
      consumerKey: apps.consumerKey,
      settings: apps.configured(),
      inForce: apps.inForce(),
      pendingUntil: pendingUntil === undefined ? null : new Date(pendingUntil).toISOString(),
    }
  }

  const save = (config: ConnectedAppConfig) => {
    if (config.runAsUsername !== null && !org.userByUsername(config.runAsUsername)) {
      const known = org.users.map((u) => u.username).join(', ')
      throw badRequest(`runAsUsername: no user "${config.runAsUsername}" in the org (known: ${known})`)
    }
    apps.save(config)
  }

  await app.register(async (control) => {
    control.addHook('onRequest', async (req) => requireControl(org, req))

    control.get('/__emulator/connected-app', async (_req, reply) => sendJson(reply, 200, view()))

    control.put('/__emulator/connected-app', async (req, reply) => {
      const parsed = connectedAppConfigSchema.safeParse(req.body ?? {})
      if (!parsed.success) throw badRequest(describeConfigError(parsed.error))
      save(parsed.data)
      return sendJson(reply, 200, view())
    })

    control.patch('/__emulator/connected-app', async (req, reply) => {
      const parsed = connectedAppConfigPatchSchema.safeParse(req.body ?? {})
      if (!parsed.success) throw badRequest(describeConfigError(parsed.error))
      const patch = Object.fromEntries(Object.entries(parsed.data).filter(([, v]) => v !== undefined))
      save({ ...apps.configured(), ...patch })
      return sendJson(reply, 200, view())
    })

    control.post('/__emulator/oauth/device/approve', async (req, reply) => {
      const userCode = stringField(req.body, 'userCode', true) ?? ''
      const username = stringField(req.body, 'username', false) ?? org.adminUser.username
      const auth = devices.pendingByUserCode(userCode)
      if (!auth)
        throw new ApiError(404, 'NOT_FOUND', 'No pending, unexpired device authorization has this userCode')
      const user = org.userByUsername(username)
      if (!user?.isActive) throw badRequest(`username: no active user "${username}" in the org`)
      devices.approve(auth, user.id)
      browser.recordApproval(user.id, auth.clientId)
      return sendJson(reply, 200, { userCode: auth.userCode, state: auth.state, username: user.username })
    })

    control.post('/__emulator/oauth/device/deny', async (req, reply) => {
      const userCode = stringField(req.body, 'userCode', true) ?? ''
      const auth = devices.pendingByUserCode(userCode)
      if (!auth)
        throw new ApiError(404, 'NOT_FOUND', 'No pending, unexpired device authorization has this userCode')
      devices.deny(auth)
      return sendJson(reply, 200, { userCode: auth.userCode, state: auth.state })
    })

    control.post('/__emulator/sessions/revoke', async (req, reply) => {
      const username = stringField(req.body, 'username', false)
      let userId: string | undefined
      if (username !== undefined) {
        const user = org.userByUsername(username)
        if (!user) throw badRequest(`username: no user "${username}" in the org`)
        userId = user.id
      }
      const revoked = store.revokeAll(userId)
      browser.logOutAll(userId)
      return sendJson(reply, 200, { revoked })
    })

    control.delete('/__emulator/oauth/approvals', async (req, reply) => {
      const username = (req.query as Record<string, unknown>).username
      const user = typeof username === 'string' ? org.userByUsername(username) : undefined
      if (typeof username === 'string' && !user)
        throw badRequest(`username: no user "${username}" in the org`)
      browser.forgetApprovals(user?.id)
      return reply.code(204).send()
    })

    control.get('/__emulator/oauth/sessions', async (_req, reply) =>
      sendJson(reply, 200, { tokens: store.counts(), deviceAuthorizations: devices.counts() }),
    )

    // POST, so that the token travels in the body and never in a URL.
    control.post('/__emulator/oauth/token-state', async (req, reply) => {
      const token = stringField(req.body, 'token', true) ?? ''
      const found = store.lookup(token)
      if (!found) return sendJson(reply, 200, { known: false })
      const r = found.record
      const base = {
        known: true,
        kind: found.kind,
        live: found.live,
        username: org.userById(r.userId)?.username ?? null,
        clientId: r.clientId,
        scopes: r.scopes,
        issuedAt: new Date(r.issuedAtMs).toISOString(),
      }
      if (found.kind === 'refresh') return sendJson(reply, 200, { ...base, state: found.record.state })
      return sendJson(reply, 200, {
        ...base,
        state: found.record.revoked ? 'revoked' : found.live ? 'active' : 'expired',
        lastActivityAt: new Date(found.record.lastActivityMs).toISOString(),
        expiresAt: new Date(store.expiresAtMs(found.record)).toISOString(),
      })
    })
  })
}
