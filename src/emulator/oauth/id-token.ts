/**
 * OpenID Connect ID tokens (RS256 JWTs), issued when a token response grants `openid`, and the key set
 * that verifies them (`/id/keys`). The RSA key is made on first use, per emulator run.
 */
import { createHash, createSign, generateKeyPairSync, type KeyObject } from 'node:crypto'
import type { EmulatorUser } from '../org.ts'

/** UNCONFIRMED: Salesforce's ID tokens live a few minutes; 5 minutes is what we emit. */
const ID_TOKEN_LIFETIME_SECONDS = 300

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url')
}

export class IdTokenSigner {
  #key: { privateKey: KeyObject; publicKey: KeyObject } | undefined
  readonly kid = 'emu1'

  #keys(): { privateKey: KeyObject; publicKey: KeyObject } {
    this.#key ??= generateKeyPairSync('rsa', { modulusLength: 2048 })
    return this.#key
  }

  /** The JWKS document of `/id/keys`. */
  jwks(): { keys: Array<Record<string, string>> } {
    const jwk = this.#keys().publicKey.export({ format: 'jwk' })
    return {
      keys: [{ kty: 'RSA', n: String(jwk.n), e: String(jwk.e), alg: 'RS256', use: 'sig', kid: this.kid }],
    }
  }

  /** Signs an ID token for `user`; `at_hash` binds it to the access token (OIDC Core §3.1.3.6). */
  sign(input: {
    issuer: string
    clientId: string
    idUrl: string
    user: EmulatorUser
    accessToken: string
    nowMs: number
    nonce?: string | undefined
  }): string {
    const iat = Math.floor(input.nowMs / 1000)
    const digest = createHash('sha256').update(input.accessToken).digest()
    const claims: Record<string, unknown> = {
      at_hash: b64url(digest.subarray(0, 16)),
      sub: input.idUrl,
      aud: input.clientId,
      iss: input.issuer,
      exp: iat + ID_TOKEN_LIFETIME_SECONDS,
      iat,
      preferred_username: input.user.username,
      name: `${input.user.firstName} ${input.user.lastName}`,
      given_name: input.user.firstName,
      family_name: input.user.lastName,
      email: input.user.email,
      email_verified: true,
    }
    if (input.nonce) claims.nonce = input.nonce
    const head = b64url(JSON.stringify({ kid: this.kid, typ: 'JWT', alg: 'RS256' }))
    const body = b64url(JSON.stringify(claims))
    const signature = createSign('RSA-SHA256').update(`${head}.${body}`).sign(this.#keys().privateKey)
    return `${head}.${body}.${b64url(signature)}`
  }
}
