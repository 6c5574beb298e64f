/**
 * The web-server flow with PKCE and `state` (reference/salesforce-oauth.md §2.2, §3): a local listener
 * on the app's registered loopback callback URL receives the code, which is exchanged with the code
 * verifier (and the secret when the app demands it).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { InputError, SfsyncError } from '../../config/sfsync-error.ts'
import { OAuthError } from '../errors.ts'
import type { SecretValues } from '../../secrets/redacting-logger.ts'
import type { ClientCredentials, OAuthEndpoints, TokenResponse } from './oauth-endpoints.ts'

export interface WebServerFlowOptions {
  readonly oauth: OAuthEndpoints
  readonly host: string
  readonly client: ClientCredentials
  /** A loopback URL registered as a Callback URL on the app, e.g. http://127.0.0.1:53682/callback. */
  readonly callbackUrl: string
  readonly scope?: string | undefined
  readonly secrets: SecretValues
  /** Shows the person the URL to open in a browser. */
  readonly onAuthorizeUrl: (url: string) => void
  /** Give up after this long (default 5 minutes). */
  readonly timeoutMs?: number
}

/** A PKCE pair: base64url(sha256(verifier)) is the challenge (RFC 7636, S256). */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(64).toString('base64url')
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') }
}

function page(res: ServerResponse, status: number, text: string): void {
  const body = `<!doctype html><meta charset="utf-8"><title>sfsync</title><p>${text}</p>`
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
  res.end(body)
}

function loopbackCallback(raw: string): URL {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new InputError(`The callback URL "${raw}" is not a URL.`)
  }
  if (url.protocol !== 'http:' || !['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname) || !url.port)
    throw new InputError(
      `The callback URL must be http on 127.0.0.1 or localhost with a port, e.g. http://127.0.0.1:53682/callback (got ${raw}).`,
      {
        nextStep:
          'Register such a URL under Setup → App Manager → your app → Edit → Callback URL and give it with --callback-url.',
      },
    )
  return url
}

/**
 * Runs the flow: listen, print the authorize URL, wait for the callback, exchange the code.
 * @example const token = await runWebServerFlow({ oauth, host, client, callbackUrl, secrets, onAuthorizeUrl: console.error })
 */
export async function runWebServerFlow(options: WebServerFlowOptions): Promise<TokenResponse> {
  const callback = loopbackCallback(options.callbackUrl)
  const state = randomBytes(16).toString('hex')
  const { verifier, challenge } = pkcePair()
  options.secrets.add(verifier)

  let settle!: { resolve: (code: string) => void; reject: (err: Error) => void }
  const codePromise = new Promise<string>((resolve, reject) => (settle = { resolve, reject }))
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', callback.origin)
    if (req.method !== 'GET' || url.pathname !== callback.pathname) return page(res, 404, 'Not found.')
    const given = url.searchParams.get('state') ?? ''
    // A callback without our state is not ours (CSRF): refuse it and keep waiting for the real one.
    if (given.length !== state.length || !timingSafeEqual(Buffer.from(given), Buffer.from(state)))
      return page(
        res,
        400,
        'This login response does not belong to the running sfsync command (state mismatch).',
      )
    const error = url.searchParams.get('error')
    if (error) {
      page(res, 400, 'Salesforce did not grant access. You can close this tab; sfsync shows the reason.')
      return settle.reject(
        new OAuthError({
          error,
          description: url.searchParams.get('error_description') ?? '',
          httpStatus: 302,
          context: { grant: 'authorization_code' },
        }),
      )
    }
    const code = url.searchParams.get('code')
    if (!code) return page(res, 400, 'The login response has no code.')
    options.secrets.add(code)
    page(res, 200, 'sfsync is connected. You can close this tab.')
    settle.resolve(code)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new SfsyncError('INPUT_INVALID', `Cannot listen on ${callback.host}: the port is in use.`, {
              nextStep: 'Stop the other program or register and use another callback port.',
            })
          : err,
      ),
    )
    server.listen(Number(callback.port), callback.hostname.replace(/^\[|\]$/g, ''), resolve)
  })
  const timer = setTimeout(
    () =>
      settle.reject(
        new SfsyncError('OAUTH_FAILED', 'Nobody completed the login in the browser in time.', {
          nextStep: 'Run the command again and log in within a few minutes.',
        }),
      ),
    options.timeoutMs ?? 300_000,
  )
  try {
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: options.client.clientId,
      redirect_uri: options.callbackUrl,
      state,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    })
    if (options.scope) query.set('scope', options.scope)
    options.onAuthorizeUrl(`${options.host}/services/oauth2/authorize?${query.toString()}`)
    const code = await codePromise
    return await options.oauth.token(
      options.host,
      { grant_type: 'authorization_code', code, redirect_uri: options.callbackUrl, code_verifier: verifier },
      options.client,
    )
  } finally {
    clearTimeout(timer)
    server.closeAllConnections()
    await new Promise<void>((r) => server.close(() => r()))
  }
}
