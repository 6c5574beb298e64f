/**
 * Every OAuth error of reference/salesforce-oauth.md §1 (token endpoint catalogue, authorization errors,
 * revoke errors), mapped to what it means for a person and what they should do next, in the admin's
 * words (where to click in Setup).
 */

export interface ExplainedError {
  readonly message: string
  readonly nextStep: string
}

const APP = 'Setup → App Manager → your app'

/** Keyed `error|error_description` first, then `error` alone. */
const CATALOGUE: Record<string, ExplainedError> = {
  invalid_client_id: {
    message:
      "Salesforce does not know this consumer key, or the app's OAuth settings are off, or a change to the app has not taken effect yet",
    nextStep: `Compare the consumer key with ${APP} → View → Manage Consumer Details; check ${APP} → Edit → "Enable OAuth Settings". After saving the app, Salesforce can take up to 10 minutes: wait and retry.`,
  },
  invalid_client: {
    message: 'The consumer secret is wrong (or missing where the app requires it)',
    nextStep: `Copy the secret again from ${APP} → View → Manage Consumer Details, then run \`sfsync connect\` again (secret from SFSYNC_CLIENT_SECRET or --client-secret-stdin).`,
  },
  'invalid_grant|authentication failure': {
    message:
      "Salesforce refused the user's credentials: wrong password, inactive user, or this login flow is blocked for the org",
    nextStep:
      'Log in to Salesforce as that user to check the account, or use the client-credentials, device or web flow instead.',
  },
  'invalid_grant|expired access/refresh token': {
    message:
      "The refresh token is no longer valid (revoked, expired by the app's refresh token policy, rotated out, or over the per-user approval limit)",
    nextStep: `Log in again with \`sfsync login --device\` or \`--web\`; check ${APP} → Manage → Edit Policies → Refresh Token Policy.`,
  },
  'invalid_grant|expired authorization code': {
    message: 'The authorization code was already used or is too old',
    nextStep: 'Run `sfsync login --web` again and complete the login promptly.',
  },
  'invalid_grant|invalid authorization code': {
    message: 'Salesforce did not recognise the authorization code',
    nextStep: 'Run `sfsync login --web` again.',
  },
  'invalid_grant|request not supported on this domain': {
    message:
      "The client credentials flow only works on the org's My Domain, not on login.salesforce.com or test.salesforce.com",
    nextStep:
      'Use the My Domain URL shown in Setup → My Domain (e.g. https://acme.my.salesforce.com) as --instance-url.',
  },
  'invalid_grant|no client credentials user enabled': {
    message: 'The client credentials flow is not enabled on the app, or it has no "Run As" user',
    nextStep: `${APP} → Edit → check "Enable Client Credentials Flow", Save; then ${APP} → Manage → Edit Policies → Client Credentials Flow → Run As: pick the integration user. Changes can take up to 10 minutes.`,
  },
  "invalid_grant|user hasn't approved this consumer": {
    message: 'The user has not approved this app, or is not pre-authorized for it',
    nextStep: `${APP} → Manage → Edit Policies → Permitted Users, and add the user's profile or permission set under Manage Profiles/Permission Sets.`,
  },
  'invalid_grant|audience validation failed': {
    message: 'The token request named the wrong login host (audience)',
    nextStep: 'Use the login URL that matches the org (production, sandbox or My Domain).',
  },
  'invalid_grant|token exchange failed': {
    message: 'The device code is used, expired or unknown',
    nextStep: 'Run `sfsync login --device` again and approve within a few minutes.',
  },
  'invalid_grant|invalid user credentials': {
    message: "Salesforce refused the user's credentials",
    nextStep: 'Check the username and password by logging in to Salesforce.',
  },
  'invalid_grant|ip restricted or invalid login hours': {
    message: 'The user may not log in from this address or at this time',
    nextStep:
      "Setup → Profiles → the user's profile → Login IP Ranges / Login Hours, or the app's IP Relaxation policy.",
  },
  'invalid_grant|invalid code verifier': {
    message: 'The PKCE code verifier did not match the login request',
    nextStep: 'Run `sfsync login --web` again.',
  },
  invalid_grant: {
    message: 'Salesforce refused the grant',
    nextStep: "Run `sfsync doctor` to check the app's settings.",
  },
  invalid_app_access: {
    message: 'The user is not admin-approved to access this app',
    nextStep: `${APP} → Manage → Manage Profiles / Manage Permission Sets: add the user's profile or a permission set.`,
  },
  redirect_uri_mismatch: {
    message: "The callback URL is not one of the app's Callback URLs",
    nextStep: `${APP} → Edit → Callback URL: add the URL sfsync listens on (one per line), Save, wait up to 10 minutes.`,
  },
  redirect_uri_missing: {
    message: 'The login request had no callback URL',
    nextStep: 'Give --callback-url (it must be registered on the app).',
  },
  unsupported_grant_type: {
    message:
      'Salesforce does not support this grant here (wrong host, plain http, or a GET instead of a POST)',
    nextStep: "Use the org's https:// My Domain URL as --instance-url.",
  },
  unsupported_response_type: {
    message: 'The app does not allow this flow (for the device flow: "Enable for Device Flow" is off)',
    nextStep: `${APP} → Edit → check "Enable for Device Flow", Save; changes can take up to 10 minutes.`,
  },
  authorization_pending: {
    message: 'The login has not been approved yet',
    nextStep: 'Open the verification page and enter the code.',
  },
  slow_down: {
    message: 'sfsync polled Salesforce too quickly',
    nextStep: 'Nothing: sfsync slows down by itself.',
  },
  access_denied: {
    message: 'The user denied access to the app',
    nextStep: 'Run the login again and click Allow.',
  },
  immediate_unsuccessful: {
    message: 'Salesforce needs the user to log in or approve interactively',
    nextStep: 'Run the login again without immediate mode.',
  },
  inactive_user: {
    message: 'The user is inactive',
    nextStep: 'Setup → Users → the user → Edit → check Active (or use another user).',
  },
  inactive_org: {
    message: 'The org is locked, closed or suspended',
    nextStep: "Contact the org's administrator or Salesforce support.",
  },
  rate_limit_exceeded: {
    message: 'Too many logins for this user in a short time',
    nextStep:
      'Wait a while; sfsync reuses tokens, so this usually means another tool is logging in repeatedly.',
  },
  invalid_scope: {
    message: 'The requested scopes are not allowed by the app',
    nextStep: `${APP} → Edit → Selected OAuth Scopes: add "Manage user data via APIs (api)" and "Perform requests at any time (refresh_token, offline_access)".`,
  },
  invalid_request: {
    message:
      'Salesforce rejected the request as malformed (HTTPS required, missing PKCE challenge, or a bad parameter)',
    nextStep:
      "Use the org's https:// My Domain URL; if the app requires PKCE, sfsync sends it already — run `sfsync doctor`.",
  },
  unsupported_token_type: {
    message: 'Salesforce did not accept this token for revocation',
    nextStep: 'Nothing to do: the token is not usable anyway.',
  },
  invalid_token: {
    message: 'The token was already invalid',
    nextStep: 'Nothing to do: the token is not usable anyway.',
  },
}

/**
 * The human message and next step for an OAuth error. Unknown codes still get a useful line.
 * @example explainOAuthError('invalid_client', 'invalid client credentials', {}).nextStep
 */
export function explainOAuthError(
  error: string,
  description: string,
  context: { grant?: string; host?: string },
): ExplainedError {
  const desc = description
    .replace(/^invalid_grant:\s*/i, '')
    .trim()
    .toLowerCase()
  const found = CATALOGUE[`${error}|${desc}`] ?? CATALOGUE[error]
  if (found) {
    // Without a secret there is nothing to be wrong: the app requires one for this flow.
    if (
      error === 'invalid_client' &&
      context.grant &&
      ['refresh_token', 'authorization_code'].includes(context.grant)
    )
      return {
        message: `${found.message}; note that "Require Secret for ${context.grant === 'refresh_token' ? 'Refresh Token' : 'Web Server'} Flow" makes the secret mandatory`,
        nextStep: found.nextStep,
      }
    return found
  }
  return {
    message: `Salesforce refused the request (${error})`,
    nextStep: "Run `sfsync doctor` to check the app's settings.",
  }
}

/** Every code the catalogue knows (used by its test to check that each one has a message and a step). */
export const CATALOGUED_ERRORS: readonly string[] = Object.keys(CATALOGUE)
