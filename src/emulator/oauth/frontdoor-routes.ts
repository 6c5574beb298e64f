/**
 * Opening the org in a browser from an access token, as `sf org open` does (reference
 * /salesforce-oauth.md §9): `/services/oauth2/singleaccess` turns a live token into a one-time
 * `frontdoor_uri`; `/secur/frontdoor.jsp` (with `otp`, or the classic `sid=<access token>`) logs the
 * browser in and goes on to `retURL`; `/home/home.jsp` is the page it lands on.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { sendJson } from '../app.ts'
import { identityToken, oauthParams } from './oauth-request.ts'
import type { OAuthState } from './oauth-state.ts'
import { loginPage, messagePage } from './login-pages.ts'
import { safeStartUrl } from './authorize-routes.ts'

const HOME_PATH = '/home/home.jsp'

function html(reply: FastifyReply, body: string): FastifyReply {
  return reply.code(200).header('content-type', 'text/html;charset=UTF-8').send(body)
}

/** Registers singleaccess, frontdoor.jsp and the home page. */
export function registerFrontdoorRoutes(app: FastifyInstance, state: OAuthState): void {
  const { org, store, browser } = state

  const singleAccess = async (req: FastifyRequest, reply: FastifyReply) => {
    const token = identityToken(req)
    const session = token ? store.resolve(token) : undefined
    // sfdx-core: singleaccess "returns 403 with an expired token". UNCONFIRMED: the body.
    if (!session)
      return reply.code(403).header('content-type', 'text/plain;charset=UTF-8').send('Bad_OAuth_Token')
    const params = new URLSearchParams({ otp: browser.issueOtp(session.userId) })
    const redirect = oauthParams(req).redirect_uri
    if (redirect) params.set('retURL', safeStartUrl(redirect))
    return sendJson(reply, 200, {
      frontdoor_uri: `${org.instanceUrl}/secur/frontdoor.jsp?${params.toString()}`,
    })
  }
  app.get('/services/oauth2/singleaccess', singleAccess)
  app.post('/services/oauth2/singleaccess', singleAccess)

  app.get('/secur/frontdoor.jsp', async (req, reply) => {
    const params = oauthParams(req)
    let user = params.otp ? browser.redeemOtp(params.otp) : undefined
    if (!user && params.sid) {
      const session = store.resolve(params.sid)
      user = session ? org.userById(session.userId) : undefined
    }
    const next = safeStartUrl(params.retURL ?? HOME_PATH)
    // UNCONFIRMED: Salesforce sends a browser with a bad frontdoor link to its login page.
    if (!user) return html(reply, loginPage({ startUrl: next }))
    browser.logIn(reply, user)
    return reply.redirect(next === '/' ? HOME_PATH : next, 302)
  })

  app.get(HOME_PATH, async (req, reply) => {
    const user = browser.user(req)
    if (!user) return html(reply, loginPage({ startUrl: HOME_PATH }))
    return html(reply, messagePage('Home', `Logged in to ${org.orgId} as ${user.username}`))
  })
}
