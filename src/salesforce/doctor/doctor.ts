/**
 * `sfsync doctor`: probes the org and the Connected App setting by setting, without changing anything,
 * and returns one check per setting with pass/fail and the fix. Each probe is chosen so that the org's
 * answer isolates one setting (reference/salesforce-oauth.md §1 catalogue, §11 settings → behaviour):
 * - a refresh-token grant with a made-up token tells the key (invalid_client_id) from the secret
 *   (invalid_client) from both right (invalid_grant), without minting anything;
 * - the same without the secret, and an authorization-code grant without it, tell whether the app
 *   requires the secret for those flows;
 * - an authorize request (not followed) tells whether the callback URL is registered.
 * `invalid_client_id` may mean "the app's change has not propagated yet" (up to 10 minutes): it is
 * retried with a visible countdown before it is reported.
 */
import { randomBytes } from 'node:crypto'
import type { ConnectionRecord } from '../../store/state/state-store.ts'
import type { HttpTransport } from '../http-transport.ts'
import type { ClientCredentials, OAuthEndpoints, TokenResponse } from '../oauth/oauth-endpoints.ts'
import type { SalesforceClient } from '../salesforce-client.ts'
import { AuthError, OAuthError, OrgUnreachableError } from '../errors.ts'
import { validateInstanceUrl } from '../instance-url.ts'
import { salesforceErrorOf } from '../salesforce-client.ts'
import { CHECK_TITLES, FIXES, type CheckId, type CheckStatus, type DoctorCheck } from './doctor-checks.ts'

export interface DoctorOptions {
  readonly connection: ConnectionRecord
  readonly credentials: ClientCredentials
  readonly oauth: OAuthEndpoints
  readonly http: HttpTransport
  /** The connection's authenticated client (for the API check; it renews the session if needed). */
  readonly client: SalesforceClient
  /** The web flow's callback URL to check. */
  readonly callbackUrl: string
  /** How long to keep retrying an answer that may mean "not propagated yet" (Salesforce: up to 10 min). */
  readonly propagationWaitMs: number
  /** Called about every second while waiting, with the seconds left. */
  readonly onWait?: (secondsLeft: number, reason: string) => void
  readonly sleep?: (ms: number) => Promise<void>
  readonly now?: () => number
}

/** A refresh token no org ever issued: its refusal tells which client check failed first. */
const PROBE_TOKEN = 'sfsync-doctor-probe'

function check(
  id: CheckId,
  status: CheckStatus,
  detail: string,
  extra: { fix?: string; err?: OAuthError } = {},
): DoctorCheck {
  return {
    id,
    title: CHECK_TITLES[id],
    status,
    detail,
    ...(extra.fix && status !== 'pass' ? { fix: extra.fix } : {}),
    ...(extra.err
      ? { salesforce: { error: extra.err.oauthError, description: extra.err.oauthErrorDescription } }
      : {}),
  }
}

async function oauthOutcome<T>(fn: () => Promise<T>): Promise<{ ok: T } | { err: OAuthError }> {
  try {
    return { ok: await fn() }
  } catch (err) {
    if (err instanceof OAuthError) return { err }
    throw err
  }
}

/**
 * Runs every check.
 * @example const checks = await runDoctor({ connection, credentials, oauth, http, client, callbackUrl, propagationWaitMs: 600_000 })
 */
export async function runDoctor(o: DoctorOptions): Promise<DoctorCheck[]> {
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)))
  const now = o.now ?? Date.now
  const conn = o.connection
  const host = conn.instanceUrl
  const uses = (flow: ConnectionRecord['flow']) => conn.flow === flow
  const out: DoctorCheck[] = []
  const noSecret = { clientId: o.credentials.clientId, clientSecret: undefined }

  // 1. Key and secret, waiting out propagation.
  let keyProbe: { ok: TokenResponse } | { err: OAuthError }
  try {
    const deadline = now() + o.propagationWaitMs
    const probeEvery = Math.min(10_000, Math.max(1_000, o.propagationWaitMs / 10))
    for (;;) {
      keyProbe = await oauthOutcome(() => o.oauth.refresh(host, PROBE_TOKEN, o.credentials))
      if (!('err' in keyProbe) || !keyProbe.err.mayBePropagation || now() >= deadline) break
      const until = Math.min(deadline, now() + probeEvery)
      while (now() < until) {
        o.onWait?.(
          Math.ceil((deadline - now()) / 1000),
          'Salesforce does not know the consumer key yet; a Connected App change takes up to 10 minutes to apply',
        )
        await sleep(Math.min(1_000, until - now()))
      }
    }
  } catch (err) {
    if (err instanceof OrgUnreachableError)
      return [check('org-reachable', 'fail', err.message, { fix: FIXES.unreachable })]
    throw err
  }
  out.push(check('org-reachable', 'pass', `${host} answers`))
  if ('err' in keyProbe && keyProbe.err.oauthError === 'invalid_client_id') {
    const waited = Math.round(o.propagationWaitMs / 1000)
    const why = `Salesforce answers "client identifier invalid" (after waiting ${waited} s for changes to apply): either the consumer key is wrong or the app's OAuth settings are off`
    out.push(check('oauth-enabled', 'fail', why, { fix: FIXES.oauthEnabled, err: keyProbe.err }))
    out.push(
      check('consumer-key', 'fail', `${why}; sfsync has the key ending …${conn.clientId.slice(-6)}`, {
        fix: FIXES.consumerKey,
        err: keyProbe.err,
      }),
    )
    return out
  }
  out.push(check('oauth-enabled', 'pass', 'the org accepts OAuth requests for this app'))
  out.push(check('consumer-key', 'pass', `the org knows the key ending …${conn.clientId.slice(-6)}`))
  if ('err' in keyProbe && keyProbe.err.oauthError === 'invalid_client') {
    out.push(
      check(
        'consumer-secret',
        'fail',
        'Salesforce answers "invalid client credentials" for the stored secret',
        { fix: FIXES.consumerSecret, err: keyProbe.err },
      ),
    )
    return out
  }
  out.push(check('consumer-secret', 'pass', 'the org accepts the stored secret'))

  // 2. Client credentials: enabled, Run As user, My Domain.
  let ccToken: TokenResponse | undefined
  let ccAt = 0
  const ccStatus: CheckStatus = uses('client_credentials') ? 'fail' : 'warn'
  const ccNote = uses('client_credentials') ? '' : ' (this connection does not use it)'
  if (validateInstanceUrl(host).kind === 'login-host') {
    out.push(
      check('client-credentials', ccStatus, `${host} is a login host, not the org's My Domain${ccNote}`, {
        fix: FIXES.myDomain,
      }),
    )
  } else {
    const cc = await oauthOutcome(() => o.oauth.clientCredentials(host, o.credentials))
    ccAt = now()
    if ('ok' in cc) {
      ccToken = cc.ok
      out.push(
        check('client-credentials', 'pass', 'the org issues client-credentials tokens on this My Domain'),
      )
    } else {
      const d = cc.err.oauthErrorDescription.toLowerCase()
      if (d.includes('not supported on this domain'))
        out.push(
          check('client-credentials', ccStatus, `the org refuses the flow on ${host}${ccNote}`, {
            fix: FIXES.myDomain,
            err: cc.err,
          }),
        )
      else
        out.push(
          check('client-credentials', ccStatus, `the flow is off or has no Run As user${ccNote}`, {
            fix: FIXES.clientCredentials,
            err: cc.err,
          }),
        )
    }
  }

  // 3. Device flow (a device code is requested and left to expire unused).
  const device = await oauthOutcome(() => o.oauth.deviceCode(host, o.credentials, undefined))
  const deviceNote = uses('device') ? '' : ' (this connection does not use it)'
  out.push(
    'ok' in device
      ? check('device-flow', 'pass', 'the org hands out device codes for this app')
      : check('device-flow', uses('device') ? 'fail' : 'warn', `the org refuses device codes${deviceNote}`, {
          fix: FIXES.deviceFlow,
          err: device.err,
        }),
  )

  // 4. Callback URL, then whether the app can grant refresh_token (authorize requests, not followed).
  const authorize = async (scope?: string) => {
    const q = new URLSearchParams({
      response_type: 'code',
      client_id: conn.clientId,
      redirect_uri: o.callbackUrl,
      state: 'sfsync-doctor',
      code_challenge: randomBytes(32).toString('base64url'),
      code_challenge_method: 'S256',
    })
    if (scope) q.set('scope', scope)
    return o.http.send({
      method: 'GET',
      url: `${host}/services/oauth2/authorize?${q.toString()}`,
      label: 'GET /services/oauth2/authorize',
    })
  }
  const cbRes = await authorize()
  const bodyError = /(^|&)error=([^&]+)/.exec(cbRes.text)?.[2]
  const webNote = uses('web') ? '' : ' (only the web-server flow needs it)'
  const callbackOk = cbRes.status < 400 && !bodyError
  out.push(
    callbackOk
      ? check('callback-url', 'pass', `${o.callbackUrl} is registered`)
      : check(
          'callback-url',
          uses('web') ? 'fail' : 'warn',
          `${o.callbackUrl} is not a registered callback URL${webNote} (Salesforce: ${decodeURIComponent(bodyError ?? String(cbRes.status))})`,
          {
            fix: FIXES.callbackUrl(o.callbackUrl),
          },
        ),
  )
  // UNCONFIRMED (reference §3, §15): asking for a scope the app lacks is answered with
  // error=invalid_scope on the callback by the emulator; Salesforce's answer is not documented.
  let refreshScope: 'has' | 'lacks' | 'unknown' = 'unknown'
  if (callbackOk) {
    const r = await authorize('refresh_token')
    const location = r.headers.get('location') ?? ''
    refreshScope = /[?&]error=invalid_scope/.test(location) ? 'lacks' : r.status < 400 ? 'has' : 'unknown'
  }
  if (refreshScope === 'unknown' && !uses('client_credentials'))
    refreshScope = conn.refreshTokenSealed ? 'has' : 'lacks'

  // 5. Scopes.
  const scopes = (ccToken?.scope ?? conn.scopes).split(/\s+/).filter(Boolean)
  const hasApi = scopes.includes('api') || scopes.includes('full')
  if (!hasApi)
    out.push(
      check(
        'scopes',
        'fail',
        `granted scopes "${scopes.join(' ') || '(none)'}" include neither api nor full`,
        { fix: FIXES.apiScope },
      ),
    )
  else if (refreshScope === 'lacks')
    out.push(
      check(
        'scopes',
        uses('client_credentials') ? 'warn' : 'fail',
        `the app's scopes (${scopes.join(' ') || 'unknown'}) give no refresh token: "full" alone does not include refresh_token${uses('client_credentials') ? ' (client credentials does not need one; the device and web flows do)' : ', so this connection must log in again whenever its session ends'}`,
        { fix: FIXES.refreshScope },
      ),
    )
  else
    out.push(
      check(
        'scopes',
        'pass',
        `${scopes.join(' ')}${refreshScope === 'has' ? ', refresh_token available' : ''}`,
      ),
    )

  // 6. Secret required for the web-server and refresh flows (probes without the secret).
  const web = await oauthOutcome(() =>
    o.oauth.token(
      host,
      { grant_type: 'authorization_code', code: PROBE_TOKEN, redirect_uri: o.callbackUrl },
      noSecret,
    ),
  )
  out.push(
    'err' in web && web.err.oauthError === 'invalid_client'
      ? check(
          'secret-web-server',
          'pass',
          'the org refuses an authorization code exchange without the secret',
        )
      : check(
          'secret-web-server',
          'warn',
          'the org accepts authorization code exchanges without the secret: anyone holding the consumer key can complete a login',
          {
            fix: FIXES.secretWebServer,
            ...('err' in web ? { err: web.err } : {}),
          },
        ),
  )
  const refresh = await oauthOutcome(() => o.oauth.refresh(host, PROBE_TOKEN, noSecret))
  out.push(
    'err' in refresh && refresh.err.oauthError === 'invalid_client'
      ? check('secret-refresh', 'pass', 'the org refuses refresh-token requests without the secret')
      : check(
          'secret-refresh',
          'warn',
          'the org accepts refresh-token requests without the secret: a leaked refresh token alone gives access',
          {
            fix: FIXES.secretRefresh,
            ...('err' in refresh ? { err: refresh.err } : {}),
          },
        ),
  )

  // 7. API enabled for the user (through the connection's own session), and the server's clock.
  let apiDate: string | null = null
  let apiAt = 0
  try {
    const res = await o.client.request({
      method: 'GET',
      path: o.client.dataPath(''),
      headers: { accept: 'application/json' },
    })
    apiAt = now()
    apiDate = res.headers.get('date')
    const { errorCode, message } = salesforceErrorOf(res)
    if (res.status < 400)
      out.push(
        check('api-enabled', 'pass', `${conn.username} can call the REST API (v${o.client.apiVersion})`),
      )
    else if (
      res.status === 403 &&
      /API_DISABLED_FOR_ORG|API_CURRENTLY_DISABLED|FUNCTIONALITY_NOT_ENABLED/.test(errorCode)
    )
      out.push(
        check('api-enabled', 'fail', `Salesforce: ${errorCode}: ${message}`, {
          fix: FIXES.apiEnabled(conn.username),
        }),
      )
    else
      out.push(
        check(
          'api-enabled',
          'warn',
          `GET ${o.client.dataPath('')} answered ${res.status} ${errorCode}: ${message}`,
          { fix: FIXES.apiEnabled(conn.username) },
        ),
      )
  } catch (err) {
    if (!(err instanceof AuthError)) throw err
    out.push(
      check('api-enabled', 'fail', `no usable session: ${err.message}`, {
        fix: uses('client_credentials') ? FIXES.clientCredentials : FIXES.login(conn.name, conn.flow),
      }),
    )
  }

  // 8. Introspection of the app's own token.
  const ownToken = ccToken?.access_token ?? (await o.client.currentToken().catch(() => undefined))
  if (!ownToken) out.push(check('introspection', 'skip', 'no token to introspect'))
  else {
    const intro = await oauthOutcome(() => o.oauth.introspect(host, ownToken, 'access_token', o.credentials))
    if ('ok' in intro && intro.ok.active)
      out.push(
        check('introspection', 'pass', 'the app may introspect its own tokens, which is all sfsync does'),
      )
    else
      out.push(
        check(
          'introspection',
          'warn',
          "the org does not introspect the app's token; sfsync will rely on the API's answers instead",
          {
            fix: FIXES.introspection,
            ...('err' in intro ? { err: intro.err } : {}),
          },
        ),
      )
  }

  // 9. Clock skew: issued_at of a fresh token, else the API's Date header.
  const serverMs = ccToken?.issued_at ? Number(ccToken.issued_at) : apiDate ? Date.parse(apiDate) : NaN
  const localMs = ccToken?.issued_at ? ccAt : apiAt
  if (!Number.isFinite(serverMs) || localMs === 0)
    out.push(check('clock-skew', 'skip', 'no server time seen'))
  else {
    const skew = Math.round((localMs - serverMs) / 1000)
    const detail = `this machine is ${Math.abs(skew)} s ${skew >= 0 ? 'ahead of' : 'behind'} Salesforce`
    out.push(
      check('clock-skew', Math.abs(skew) > 120 ? 'fail' : Math.abs(skew) > 30 ? 'warn' : 'pass', detail, {
        fix: FIXES.clock,
      }),
    )
  }
  return out
}
