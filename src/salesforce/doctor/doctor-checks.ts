/**
 * The result shape of `sfsync doctor` and the fixes it proposes, in the admin's words (where to click
 * in Setup). Kept apart from the probes so that the wording can be read and reviewed in one place.
 */

export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skip'

export interface DoctorCheck {
  readonly id: CheckId
  readonly title: string
  readonly status: CheckStatus
  /** What was observed. */
  readonly detail: string
  /** What to do, in the admin's words; absent on pass. */
  readonly fix?: string
  /** Salesforce's own answer, verbatim, when one decided the check. */
  readonly salesforce?: { readonly error: string; readonly description: string }
}

export type CheckId =
  | 'org-reachable'
  | 'oauth-enabled'
  | 'consumer-key'
  | 'consumer-secret'
  | 'client-credentials'
  | 'device-flow'
  | 'callback-url'
  | 'scopes'
  | 'secret-web-server'
  | 'secret-refresh'
  | 'introspection'
  | 'api-enabled'
  | 'clock-skew'

const APP = 'Setup → App Manager → your app (▼) →'

/** Titles: one line each, naming the Setup option it is about. */
export const CHECK_TITLES: Record<CheckId, string> = {
  'org-reachable': 'Org reachable',
  'oauth-enabled': 'OAuth enabled ("Enable OAuth Settings")',
  'consumer-key': 'Consumer key known to the org',
  'consumer-secret': 'Consumer secret right',
  'client-credentials': 'Client credentials flow ("Enable Client Credentials Flow", Run As user, My Domain)',
  'device-flow': 'Device flow ("Enable for Device Flow")',
  'callback-url': 'Callback URL registered ("Callback URL")',
  scopes: 'OAuth scopes ("Selected OAuth Scopes")',
  'secret-web-server': 'Secret required for the web-server flow ("Require Secret for Web Server Flow")',
  'secret-refresh': 'Secret required for the refresh-token flow ("Require Secret for Refresh Token Flow")',
  introspection: 'Token introspection permitted ("Introspect All Tokens" not needed for own tokens)',
  'api-enabled': 'API enabled for the user ("API Enabled" permission)',
  'clock-skew': 'Clock in step with Salesforce',
}

/** The fix for each failing check. */
export const FIXES = {
  unreachable: 'Check the My Domain URL (Setup → My Domain), the network and any proxy.',
  oauthEnabled: `${APP} Edit → API (Enable OAuth Settings) → check "Enable OAuth Settings" → Save. Changes can take up to 10 minutes.`,
  consumerKey: `${APP} View → Manage Consumer Details → compare the Consumer Key with the one sfsync has, then \`sfsync connect --replace\` with the right one.`,
  consumerSecret: `${APP} View → Manage Consumer Details → copy the Consumer Secret, then \`sfsync connect --replace\` (secret through SFSYNC_CLIENT_SECRET or --client-secret-stdin).`,
  clientCredentials: `${APP} Edit → check "Enable Client Credentials Flow" → Save; then ${APP} Manage → Edit Policies → Client Credentials Flow → Run As: choose the integration user → Save.`,
  myDomain:
    'Use the My Domain URL (Setup → My Domain, e.g. https://acme.my.salesforce.com) as --instance-url: the client credentials flow is refused on login.salesforce.com and test.salesforce.com.',
  deviceFlow: `${APP} Edit → check "Enable for Device Flow" → Save.`,
  callbackUrl: (url: string) =>
    `${APP} Edit → Callback URL → add ${url} on its own line → Save (or give sfsync another registered loopback URL with --callback-url).`,
  apiScope: `${APP} Edit → Selected OAuth Scopes → add "Manage user data via APIs (api)" (or "Full access (full)") → Save.`,
  refreshScope: `${APP} Edit → Selected OAuth Scopes → add "Perform requests at any time (refresh_token, offline_access)" → Save. "Full access (full)" alone gives no refresh token.`,
  secretWebServer: `${APP} Edit → check "Require Secret for Web Server Flow" → Save.`,
  secretRefresh: `${APP} Edit → check "Require Secret for Refresh Token Flow" → Save.`,
  introspection: `${APP} Edit → check "Introspect All Tokens" if sfsync must introspect tokens of other apps; sfsync itself falls back to the API's answers.`,
  apiEnabled: (username: string) =>
    `Setup → Users → ${username} → Profile → System Permissions → check "API Enabled" (or assign a permission set with "API Enabled").`,
  clock: "Set this machine's clock automatically (e.g. `timedatectl set-ntp true`).",
  login: (name: string, flow: string) =>
    `Run \`sfsync login --name ${name} --${flow === 'web' ? 'web' : 'device'}\`.`,
} as const
