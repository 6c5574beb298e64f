import { test } from 'node:test'
import assert from 'node:assert/strict'
import { explainOAuthError } from './oauth-error-catalogue.ts'
import { OAuthError } from '../errors.ts'

/** Every error of reference/salesforce-oauth.md §1 (token endpoint, authorization errors) and §5 (revoke). */
const REFERENCE_ERRORS: [string, string][] = [
  ['invalid_client_id', 'client identifier invalid'],
  ['invalid_client', 'invalid client credentials'],
  ['invalid_grant', 'authentication failure'],
  ['invalid_grant', 'expired access/refresh token'],
  ['invalid_grant', 'expired authorization code'],
  ['invalid_grant', 'invalid_grant: invalid authorization code'],
  ['redirect_uri_mismatch', 'redirect_uri must match configuration'],
  ['unsupported_grant_type', 'grant type not supported'],
  ['invalid_grant', 'request not supported on this domain'],
  ['invalid_grant', 'no client credentials user enabled'],
  ['invalid_grant', "user hasn't approved this consumer"],
  ['invalid_grant', 'Audience validation failed'],
  ['invalid_app_access', 'user is not admin approved to access this app'],
  ['authorization_pending', ''],
  ['slow_down', 'polling too quickly for the token endpoint'],
  ['invalid_grant', 'token exchange failed'],
  ['unsupported_response_type', 'response type not supported'],
  ['invalid_request', 'HTTPS required'],
  ['access_denied', 'end-user denied authorization'],
  ['redirect_uri_missing', 'redirect_uri not provided'],
  ['immediate_unsuccessful', 'immediate unsuccessful'],
  ['invalid_grant', 'invalid user credentials'],
  ['invalid_grant', 'IP restricted or invalid login hours'],
  ['inactive_user', 'user is inactive'],
  ['inactive_org', 'organization is locked, closed, or suspended'],
  ['rate_limit_exceeded', 'number of logins exceeded'],
  ['invalid_scope', 'requested scope is invalid, unknown, or malformed'],
  ['unsupported_token_type', 'this token type is not supported'],
  ['invalid_token', 'Token was invalid'],
]

test('every OAuth error of the reference has its own message and next step, and the raw answer is kept', () => {
  const generic = explainOAuthError('invalid_grant', 'something new', {})
  for (const [error, description] of REFERENCE_ERRORS) {
    const explained = explainOAuthError(error, description, {})
    assert.ok(explained.message.length > 10 && explained.nextStep.length > 10, `${error}: ${description}`)
    assert.doesNotMatch(
      explained.message,
      /refused the request \(/,
      `${error} falls through to the unknown-code text`,
    )
    if (error === 'invalid_grant' && description !== 'something new')
      assert.notEqual(explained.message, generic.message, `"${description}" has a message of its own`)
    const err = new OAuthError({ error, description, httpStatus: 400 })
    assert.equal(err.oauthError, error)
    assert.equal(err.oauthErrorDescription, description)
    assert.equal(err.code, 'OAUTH_FAILED')
    assert.equal(err.nextStep, explained.nextStep)
  }
})

test('fixes name where to click in Setup for app settings', () => {
  assert.match(
    explainOAuthError('invalid_grant', 'no client credentials user enabled', {}).nextStep,
    /Enable Client Credentials Flow.*Run As/s,
  )
  assert.match(
    explainOAuthError('unsupported_response_type', 'response type not supported', {}).nextStep,
    /Enable for Device Flow/,
  )
  assert.match(
    explainOAuthError('invalid_client', 'invalid client credentials', { grant: 'refresh_token' }).message,
    /Require Secret for Refresh Token Flow/,
  )
})
