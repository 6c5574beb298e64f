/**
 * The device flow's verification page, `/setup/connect` (the `verification_uri`): the person types the
 * user code, logs in if needed, and allows or denies the device (reference/salesforce-oauth.md §2.6).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { oauthParams } from './oauth-request.ts'
import type { OAuthState } from './oauth-state.ts'
import { approvalPage, connectPage, loginPage, messagePage } from './login-pages.ts'
import { grantedScopes } from './token-issuer.ts'

/** UNCONFIRMED: Salesforce's wording on the connect page for a wrong or expired code. */
export const INVALID_USER_CODE = 'The code is invalid or has expired. Check the code and try again.'

function html(reply: FastifyReply, body: string): FastifyReply {
  return reply.code(200).header('content-type', 'text/html;charset=UTF-8').send(body)
}

function connect(state: OAuthState, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const params = oauthParams(req)
  const userCode = params.user_code?.trim()
  if (!userCode) return html(reply, connectPage({}))
  const auth = state.devices.pendingByUserCode(userCode)
  if (!auth) return html(reply, connectPage({ error: INVALID_USER_CODE, userCode }))
  const user = state.browser.user(req)
  if (!user)
    return html(
      reply,
      loginPage({ startUrl: `/setup/connect?user_code=${encodeURIComponent(auth.userCode)}` }),
    )
  if (req.method === 'POST' && (params.action === 'approve' || params.action === 'deny')) {
    if (params.action === 'approve') {
      state.devices.approve(auth, user.id)
      state.browser.recordApproval(user.id, auth.clientId)
      return html(reply, messagePage('Connected', 'You can now return to your device.'))
    }
    state.devices.deny(auth)
    return html(reply, messagePage('Access Denied', 'The device was not connected.'))
  }
  const client = state.apps.client(auth.clientId)
  const scopes = client ? grantedScopes(client.settings.scopes, auth.requestedScopes?.join(' ')) : []
  return html(
    reply,
    approvalPage({
      appName: state.apps.nameOf(auth.clientId),
      username: user.username,
      scopes,
      action: '/setup/connect',
      fields: { user_code: auth.userCode },
    }),
  )
}

/** Registers GET and POST `/setup/connect`. */
export function registerDeviceRoutes(app: FastifyInstance, state: OAuthState): void {
  app.get('/setup/connect', async (req, reply) => connect(state, req, reply))
  app.post('/setup/connect', async (req, reply) => connect(state, req, reply))
}
