/**
 * Connections from end to end: `connect` (validate, authenticate with the chosen flow, read the
 * identity, store everything in one transaction), `login` (a new session for a stored connection),
 * `list`, and `disconnect` (revoke at the org, then erase). Nothing is written until every network
 * step has succeeded, so a failure leaves the state as it was.
 */
import type { Logger } from 'pino'
import type { StateStore, ConnectionFlow, ConnectionRecord } from '../store/state/state-store.ts'
import type { SecretBox } from '../secrets/secret-box.ts'
import type { SecretValues } from '../secrets/redacting-logger.ts'
import { InputError } from '../config/sfsync-error.ts'
import { validateInstanceUrl } from './instance-url.ts'
import type { ClientCredentials, OAuthEndpoints, TokenResponse } from './oauth/oauth-endpoints.ts'
import { runDeviceFlow, type DevicePrompt } from './oauth/device-flow.ts'
import { runWebServerFlow } from './oauth/web-server-flow.ts'
import { requireConnection, sealContext, tokenRecordOf, TokenManager } from './token-manager.ts'

/** What `sfsync connections` and `connect` show: no secret, no token. */
export interface ConnectionSummary {
  readonly name: string
  readonly instanceUrl: string
  readonly apiUrl: string
  readonly orgId: string
  readonly userId: string
  readonly username: string
  readonly flow: ConnectionFlow
  readonly clientId: string
  readonly scopes: string
  readonly hasRefreshToken: boolean
  readonly createdAt: string
  readonly updatedAt: string
}

export function summarize(c: ConnectionRecord): ConnectionSummary {
  return {
    name: c.name,
    instanceUrl: c.instanceUrl,
    apiUrl: c.apiUrl,
    orgId: c.orgId,
    userId: c.userId,
    username: c.username,
    flow: c.flow,
    clientId: c.clientId,
    scopes: c.scopes,
    hasRefreshToken: c.refreshTokenSealed !== null,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
  }
}

export interface FlowHooks {
  readonly onDevicePrompt?: (prompt: DevicePrompt) => void
  readonly onAuthorizeUrl?: (url: string) => void
  /** Device/web flow time limit. */
  readonly timeoutMs?: number
}

export interface ConnectInput extends FlowHooks {
  readonly name: string
  readonly instanceUrl: string
  readonly clientId: string
  readonly clientSecret: string
  readonly flow: ConnectionFlow
  readonly callbackUrl: string
  readonly scope?: string | undefined
  readonly replace?: boolean
}

export interface ConnectionServiceOptions {
  readonly store: StateStore
  readonly box: SecretBox
  readonly oauth: OAuthEndpoints
  readonly secrets: SecretValues
  readonly log: Logger
  readonly now?: () => number
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/

/** Checks a connection name (used in file names, logs and lock keys). */
export function validateName(name: string): string {
  const n = name.trim()
  if (!NAME.test(n))
    throw new InputError(`"${name}" is not a valid connection name.`, {
      nextStep:
        'Use 1-63 letters, digits, dots, dashes or underscores, starting with a letter or digit (e.g. prod, acme-sandbox).',
    })
  return n
}

/**
 * @example const service = new ConnectionService({ store, box, oauth, secrets, log }); await service.connect({ ... })
 */
export class ConnectionService {
  readonly #o: ConnectionServiceOptions

  constructor(options: ConnectionServiceOptions) {
    this.#o = options
  }

  #now(): number {
    return (this.#o.now ?? Date.now)()
  }

  async #obtain(
    flow: ConnectionFlow,
    host: string,
    client: ClientCredentials,
    input: FlowHooks & { callbackUrl: string; scope?: string | undefined },
  ): Promise<TokenResponse> {
    const { oauth, secrets } = this.#o
    if (flow === 'client_credentials') return oauth.clientCredentials(host, client)
    if (flow === 'device')
      return runDeviceFlow({
        oauth,
        host,
        client,
        scope: input.scope,
        onPrompt: input.onDevicePrompt ?? (() => undefined),
        ...(input.timeoutMs !== undefined ? { timeoutMs: input.timeoutMs } : {}),
      })
    return runWebServerFlow({
      oauth,
      host,
      client,
      callbackUrl: input.callbackUrl,
      scope: input.scope,
      secrets,
      onAuthorizeUrl: input.onAuthorizeUrl ?? (() => undefined),
      ...(input.timeoutMs !== undefined ? { timeoutMs: input.timeoutMs } : {}),
    })
  }

  /** Authenticates, reads the identity, and stores the connection with its first token (one transaction). */
  async connect(input: ConnectInput): Promise<ConnectionSummary> {
    const { store, box, oauth, secrets } = this.#o
    const name = validateName(input.name)
    const url = validateInstanceUrl(input.instanceUrl)
    const clientId = input.clientId.trim()
    if (!/^[A-Za-z0-9._]{10,}$/.test(clientId))
      throw new InputError(
        'The consumer key looks wrong (expected a long string of letters, digits, dots and underscores).',
        {
          nextStep: 'Copy it from Setup → App Manager → your app → View → Manage Consumer Details.',
        },
      )
    if (input.clientSecret.trim() === '')
      throw new InputError('The consumer secret is empty.', {
        nextStep:
          'Copy it from Setup → App Manager → your app → View → Manage Consumer Details and pass it through SFSYNC_CLIENT_SECRET or --client-secret-stdin.',
      })
    if (input.flow === 'client_credentials' && url.kind === 'login-host')
      throw new InputError(
        "The client credentials flow only works on the org's My Domain, not on login.salesforce.com or test.salesforce.com.",
        {
          nextStep: 'Use the URL shown under Setup → My Domain, e.g. https://acme.my.salesforce.com.',
        },
      )
    secrets.add(input.clientSecret)
    if (!input.replace && (await store.getConnection(name))) {
      throw new InputError(`A connection named "${name}" already exists.`, {
        code: 'CONNECTION_EXISTS',
        nextStep: `Pick another --name, or run \`sfsync disconnect --name ${name}\` first.`,
      })
    }
    const client = { clientId, clientSecret: input.clientSecret }
    const token = await this.#obtain(input.flow, url.origin, client, input)
    const identity = await oauth.identity(token.id, token.access_token)
    const at = new Date(this.#now()).toISOString()
    const record: ConnectionRecord = {
      name,
      instanceUrl: url.origin,
      clientId,
      flow: input.flow,
      secretSealed: box.seal(input.clientSecret, sealContext.consumerSecret(name)),
      refreshTokenSealed: token.refresh_token
        ? box.seal(token.refresh_token, sealContext.refreshToken(name))
        : null,
      apiUrl: token.instance_url.replace(/\/$/, ''),
      orgId: identity.organization_id,
      userId: identity.user_id,
      username: identity.username,
      identityUrl: token.id,
      scopes: token.scope ?? '',
      callbackUrl: input.flow === 'web' ? input.callbackUrl : '',
      createdAt: at,
      updatedAt: at,
    }
    await store.saveConnection(record, tokenRecordOf(name, box, token, 1, this.#now()), {
      replace: input.replace === true,
    })
    return summarize(record)
  }

  /** A new session for a stored connection through the device or web flow (its stored secret is used). */
  async login(
    input: FlowHooks & { name: string; flow: 'device' | 'web'; callbackUrl?: string; scope?: string },
  ): Promise<ConnectionSummary> {
    const { store, box, oauth, secrets, log } = this.#o
    const conn = await requireConnection(store, input.name)
    const tokens = new TokenManager({ name: conn.name, store, box, oauth, secrets, log })
    const client = tokens.credentials(conn)
    const callbackUrl = input.callbackUrl ?? (conn.callbackUrl || '')
    const token = await this.#obtain(input.flow, conn.instanceUrl, client, { ...input, callbackUrl })
    const identity = await oauth.identity(token.id, token.access_token)
    if (identity.organization_id !== conn.orgId)
      throw new InputError(
        `That login is for org ${identity.organization_id}, but "${conn.name}" is org ${conn.orgId}.`,
        {
          nextStep: 'Log in to the right org, or create another connection with `sfsync connect`.',
        },
      )
    const at = new Date(this.#now()).toISOString()
    const record: ConnectionRecord = {
      ...conn,
      flow: input.flow,
      refreshTokenSealed: token.refresh_token
        ? box.seal(token.refresh_token, sealContext.refreshToken(conn.name))
        : null,
      apiUrl: token.instance_url.replace(/\/$/, ''),
      userId: identity.user_id,
      username: identity.username,
      identityUrl: token.id,
      scopes: token.scope ?? '',
      callbackUrl: input.flow === 'web' ? callbackUrl : conn.callbackUrl,
      updatedAt: at,
    }
    const previous = await store.getToken(conn.name)
    await store.saveConnection(
      record,
      tokenRecordOf(conn.name, box, token, (previous?.generation ?? 0) + 1, this.#now()),
      { replace: true },
    )
    return summarize(record)
  }

  async list(): Promise<ConnectionSummary[]> {
    return (await this.#o.store.listConnections()).map(summarize)
  }

  /**
   * Revokes the refresh token (which takes its access tokens with it) and the access token at the org,
   * then erases the connection and its secret. With `localOnly`, skips the org (e.g. it no longer exists).
   */
  async disconnect(
    name: string,
    options: { localOnly?: boolean } = {},
  ): Promise<{ name: string; revoked: string[] }> {
    const { store, box, oauth, secrets } = this.#o
    const conn = await requireConnection(store, name)
    const revoked: string[] = []
    if (!options.localOnly) {
      const token = await store.getToken(name)
      if (conn.refreshTokenSealed) {
        const rt = box.open(conn.refreshTokenSealed, sealContext.refreshToken(name), 'refresh token')
        secrets.add(rt)
        if ((await oauth.revoke(conn.instanceUrl, rt)) === 'revoked') revoked.push('refresh_token')
      }
      if (token) {
        const at = box.open(token.accessTokenSealed, sealContext.accessToken(name), 'access token')
        secrets.add(at)
        if ((await oauth.revoke(conn.instanceUrl, at)) === 'revoked') revoked.push('access_token')
      }
    }
    await store.deleteConnection(name)
    return { name, revoked }
  }
}
