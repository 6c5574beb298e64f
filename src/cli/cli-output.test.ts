import { test } from 'node:test'
import assert from 'node:assert/strict'
import { EXIT, exitCodeOf } from './cli-output.ts'
import { SfsyncError, type ErrorCode } from '../config/sfsync-error.ts'

test('a failed sync exits like a failed API call (6), not as an internal error', () => {
  assert.equal(exitCodeOf(new SfsyncError('SYNC_FAILED', 'rows did not add up')), EXIT.api)
  assert.equal(EXIT.api, 6)
})

test('every stable error code has an exit code other than "internal"', () => {
  // Every code of the ErrorCode union (the type-check fails when one is added and not listed here).
  const all: Record<ErrorCode, true> = {
    CONFIG_INVALID: true,
    INPUT_INVALID: true,
    CONNECTION_NOT_FOUND: true,
    CONNECTION_EXISTS: true,
    SECRET_KEY_MISMATCH: true,
    SECRET_KEY_INVALID: true,
    STATE_STORE_FAILED: true,
    OAUTH_FAILED: true,
    AUTH_FAILED: true,
    API_FAILED: true,
    ORG_UNREACHABLE: true,
    LOCK_TIMEOUT: true,
    CANCELLED: true,
    DESTINATION_FAILED: true,
    DESTINATION_VALUE_INVALID: true,
    SYNC_FAILED: true,
  }
  const codes = Object.keys(all) as ErrorCode[]
  const unmapped = codes.filter((c) => exitCodeOf(new SfsyncError(c, 'x')) === EXIT.internal)
  assert.deepEqual(unmapped, [])
  assert.equal(exitCodeOf(new Error('a bug')), EXIT.internal)
})
