/**
 * The emulated org's OAuth 2.0 authorization server and Connected App: the token, authorize, device,
 * identity, introspection and revocation endpoints, the login pages, and the OAuth control API. REST and
 * Bulk accept its access tokens through `sessions`.
 * @example
 * const oauth = createOAuthServer(org)
 * await oauth.register(app, ctx) // before app.listen; org.instanceUrl/loginUrl are read per request
 */
import type { FastifyInstance } from 'fastify'
import type { EmulatorOrg } from '../org.ts'
import type { OrgData } from '../data/org-data.ts'
import type { EmulatorContext } from '../context.ts'
import type { SessionResolver } from './session.ts'
import { ConnectedAppRegistry } from './connected-app.ts'
import { TokenStore } from './token-store.ts'
import { DeviceCodes } from './device-codes.ts'
import { IdTokenSigner } from './id-token.ts'
import { TokenIssuer } from './token-issuer.ts'
import { BrowserSessions } from './browser-sessions.ts'
import type { OAuthState } from './oauth-state.ts'
import { registerTokenEndpoint } from './token-endpoint.ts'
import { registerAuthorizeRoutes } from './authorize-routes.ts'
import { registerDeviceRoutes } from './device-routes.ts'
import { registerIdentityRoutes } from './identity-routes.ts'
import { registerOAuthControlRoutes } from './oauth-control-routes.ts'
import { registerFrontdoorRoutes } from './frontdoor-routes.ts'

export interface OAuthServer {
  /** Resolves access tokens for REST/Bulk (undefined: unknown, revoked or timed out). */
  readonly sessions: SessionResolver
  /** The org's Connected App credentials (printed on the emulator's startup line). */
  readonly app: { readonly consumerKey: string; readonly consumerSecret: string }
  /** The Connected App's settings, also reachable through `/__emulator/connected-app`. */
  readonly connectedApp: ConnectedAppRegistry
  register(app: FastifyInstance, ctx: EmulatorContext): Promise<void>
}

/**
 * Builds the OAuth server of `org`. The record layer is not needed (users come from `org.users`); the
 * parameter is kept so that the composition root can pass it.
 */
export function createOAuthServer(org: EmulatorOrg, _data?: OrgData): OAuthServer {
  const apps = new ConnectedAppRegistry(org)
  const timeoutSeconds = () => apps.orgSettings.sessionTimeoutSeconds
  const store = new TokenStore(org, timeoutSeconds)
  const signer = new IdTokenSigner()
  const state: OAuthState = {
    org,
    apps,
    store,
    devices: new DeviceCodes(org),
    issuer: new TokenIssuer(org, store, signer),
    signer,
    browser: new BrowserSessions(org, timeoutSeconds),
  }
  return {
    sessions: store,
    app: { consumerKey: apps.consumerKey, consumerSecret: apps.consumerSecret },
    connectedApp: apps,
    async register(app: FastifyInstance, _ctx: EmulatorContext) {
      registerTokenEndpoint(app, state)
      registerAuthorizeRoutes(app, state)
      registerDeviceRoutes(app, state)
      registerIdentityRoutes(app, state)
      registerFrontdoorRoutes(app, state)
      await registerOAuthControlRoutes(app, state)
    },
  }
}
