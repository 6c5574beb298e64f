/**
 * The device flow (reference/salesforce-oauth.md §2.6): ask for a device code and a user code, show the
 * person the verification URL and the code, then poll `grant_type=device` at the interval the org gives,
 * slowing down on `slow_down`, until approval, denial or expiry.
 */
import { SfsyncError } from '../../config/sfsync-error.ts'
import { OAuthError } from '../errors.ts'
import type { ClientCredentials, OAuthEndpoints, TokenResponse } from './oauth-endpoints.ts'

export interface DevicePrompt {
  readonly verificationUri: string
  readonly userCode: string
  readonly intervalSeconds: number
}

export interface DeviceFlowOptions {
  readonly oauth: OAuthEndpoints
  readonly host: string
  readonly client: ClientCredentials
  readonly scope?: string | undefined
  /** Shows the person where to go and what to type. */
  readonly onPrompt: (prompt: DevicePrompt) => void
  /**
   * Give up after this long. Salesforce sends no `expires_in` (reference §2.6); 10 minutes is the
   * common device-code lifetime (UNCONFIRMED for Salesforce).
   */
  readonly timeoutMs?: number
  readonly sleep?: (ms: number) => Promise<void>
  readonly now?: () => number
}

/** Seconds added to the interval on every `slow_down` (RFC 8628 §3.5). */
const SLOW_DOWN_STEP_SECONDS = 5

/**
 * Runs the device flow to its end.
 * @example const token = await runDeviceFlow({ oauth, host, client, onPrompt: (p) => console.error(p.verificationUri, p.userCode) })
 */
export async function runDeviceFlow(options: DeviceFlowOptions): Promise<TokenResponse> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)))
  const now = options.now ?? Date.now
  const codes = await options.oauth.deviceCode(options.host, options.client, options.scope)
  let interval = codes.interval ?? 5
  options.onPrompt({
    verificationUri: codes.verification_uri,
    userCode: codes.user_code,
    intervalSeconds: interval,
  })
  const deadline = now() + (options.timeoutMs ?? 600_000)
  for (;;) {
    await sleep(interval * 1000)
    try {
      return await options.oauth.token(
        options.host,
        { grant_type: 'device', code: codes.device_code },
        options.client,
      )
    } catch (err) {
      if (!(err instanceof OAuthError)) throw err
      if (err.oauthError === 'slow_down') interval += SLOW_DOWN_STEP_SECONDS
      else if (err.oauthError !== 'authorization_pending') throw err
    }
    if (now() + interval * 1000 > deadline)
      throw new SfsyncError('OAUTH_FAILED', 'Nobody approved the device code in time; it has expired.', {
        nextStep: 'Run the command again and enter the code on the verification page within a few minutes.',
      })
  }
}
