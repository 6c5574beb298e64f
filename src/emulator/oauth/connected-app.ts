/**
 * The org's Connected App (the one the seed page's admin creates) and the Salesforce CLI's pre-registered
 * `PlatformCLI` client, with the settings the admin can change at run time through the control API.
 *
 * A settings change is not in force at once: Salesforce says "Changes can take up to 10 minutes to take
 * effect" (reference/salesforce-oauth.md §10), so every change is queued with the moment it takes effect
 * (`propagationDelayMs` of emulated time later) and the token endpoint always reads the settings in force.
 */
import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto'
import { z } from 'zod'
import type { EmulatorOrg } from '../org.ts'
import { seededToken } from '../org.ts'

/** Scopes an admin can select on the app (Salesforce's scope names; `offline_access` is a synonym of `refresh_token`). */
export const OAUTH_SCOPES = [
  'full',
  'api',
  'web',
  'refresh_token',
  'offline_access',
  'openid',
  'id',
  'profile',
  'email',
  'address',
  'phone',
  'chatter_api',
  'visualforce',
  'custom_permissions',
] as const
export type OAuthScope = (typeof OAUTH_SCOPES)[number]

/** The app's OAuth settings, named after the Setup checkboxes they stand for. */
export interface ConnectedAppSettings {
  /** "Enable OAuth Settings": off makes the consumer key unknown (`invalid_client_id`). */
  readonly oauthEnabled: boolean
  /** "Enable for Device Flow". */
  readonly deviceFlowEnabled: boolean
  /** "Callback URL", one per line in Setup; `redirect_uri` must equal one of them exactly. */
  readonly callbackUrls: readonly string[]
  /** "Selected OAuth Scopes". */
  readonly scopes: readonly OAuthScope[]
  readonly requireSecretForWebServerFlow: boolean
  readonly requireSecretForRefreshTokenFlow: boolean
  /** "Enable Client Credentials Flow". */
  readonly clientCredentialsEnabled: boolean
  /** The client credentials flow's "Run As" user (a username of the org), or null when none is set. */
  readonly runAsUsername: string | null
  readonly introspectAllTokens: boolean
  /** "Use Digital Signatures": with `certificate`, enables the JWT bearer flow. */
  readonly useDigitalSignatures: boolean
  /** The uploaded certificate (PEM of an X.509 certificate or of an RSA public key), or null. */
  readonly certificate: string | null
  /**
   * "Permitted Users": `all` ("All users may self-authorize": a user must approve the app once before the
   * JWT bearer flow works for them) or `adminApproved` ("Admin approved users are pre-authorized": every
   * user of the emulated org counts as assigned, and the "Allow Access?" page is skipped).
   */
  readonly permittedUsers: 'all' | 'adminApproved'
  /** The org's "Allow OAuth Username-Password Flows" (off in orgs created since Summer '23). */
  readonly passwordFlowEnabled: boolean
  /** "Enable Refresh Token Rotation". */
  readonly refreshTokenRotation: boolean
  /** "Require Proof Key for Code Exchange (PKCE) Extension for Supported Authorization Flows". */
  readonly requirePkce: boolean
}

/** Org-level settings that act at once (they are not Connected App settings, so nothing propagates). */
export interface OrgOAuthSettings {
  /** Session Settings "Timeout Value": an access token dies after this much inactivity (default 2 h). */
  readonly sessionTimeoutSeconds: number
  /** How long, in emulated time, a Connected App change takes to be in force (default 0). */
  readonly propagationDelayMs: number
}

/** Everything `/__emulator/connected-app` reads and writes: the app's settings plus the org-level ones. */
export type ConnectedAppConfig = ConnectedAppSettings & OrgOAuthSettings

/**
 * A loopback callback a command-line tool can listen on, registered by default next to the success page
 * and the Salesforce CLI's port 1717, so that a CLI can run the web-server flow without touching Setup.
 */
export const LOOPBACK_CALLBACK_URL = 'http://127.0.0.1:53682/callback'
export const CLI_CALLBACK_URL = 'http://localhost:1717/OauthRedirect'
export const PLATFORM_CLI_CLIENT_ID = 'PlatformCLI'

/** The settings the seed page's admin ends up with (device flow on, `full` only, secrets required, ...). */
export function defaultConnectedAppConfig(org: EmulatorOrg): ConnectedAppConfig {
  return {
    oauthEnabled: true,
    deviceFlowEnabled: true,
    callbackUrls: [`${org.instanceUrl}/services/oauth2/success`, CLI_CALLBACK_URL, LOOPBACK_CALLBACK_URL],
    scopes: ['full'],
    requireSecretForWebServerFlow: true,
    requireSecretForRefreshTokenFlow: true,
    clientCredentialsEnabled: true,
    runAsUsername: org.users[1]?.username ?? org.adminUser.username,
    introspectAllTokens: true,
    useDigitalSignatures: false,
    certificate: null,
    permittedUsers: 'all',
    passwordFlowEnabled: false,
    refreshTokenRotation: false,
    requirePkce: false,
    sessionTimeoutSeconds: 7200,
    propagationDelayMs: 0,
  }
}

/** The public key of an uploaded certificate (or public key) PEM, or undefined when it does not parse. */
export function publicKeyFromPem(pem: string): KeyObject | undefined {
  try {
    return pem.includes('CERTIFICATE') ? new X509Certificate(pem).publicKey : createPublicKey(pem)
  } catch {
    return undefined
  }
}

const callbackUrl = z
  .string()
  .refine(
    (s) => URL.canParse(s),
    'each callback URL must be an absolute URL, e.g. https://app.example.com/callback',
  )

const configShape = {
  oauthEnabled: z.boolean(),
  deviceFlowEnabled: z.boolean(),
  callbackUrls: z.array(callbackUrl),
  scopes: z.array(z.enum(OAUTH_SCOPES)),
  requireSecretForWebServerFlow: z.boolean(),
  requireSecretForRefreshTokenFlow: z.boolean(),
  clientCredentialsEnabled: z.boolean(),
  runAsUsername: z.string().min(1).nullable(),
  introspectAllTokens: z.boolean(),
  useDigitalSignatures: z.boolean(),
  certificate: z
    .string()
    .refine(
      (pem) => publicKeyFromPem(pem) !== undefined,
      'certificate must be the PEM of an X.509 certificate or of a public key',
    )
    .nullable(),
  permittedUsers: z.enum(['all', 'adminApproved']),
  passwordFlowEnabled: z.boolean(),
  refreshTokenRotation: z.boolean(),
  requirePkce: z.boolean(),
  // Salesforce's Timeout Value ranges from 15 minutes to 24 hours; shorter values are allowed here so
  // that tests can expire sessions quickly.
  sessionTimeoutSeconds: z.number().int().min(1).max(86_400),
  propagationDelayMs: z
    .number()
    .int()
    .min(0)
    .max(24 * 3_600_000),
}

/** Validates a full replacement (PUT) or a partial change (PATCH) of the config. Unknown fields are refused. */
export const connectedAppConfigSchema = z.strictObject(configShape)
export const connectedAppConfigPatchSchema = z.strictObject(configShape).partial()

/** Turns a zod failure into one human-readable line per problem. */
export function describeConfigError(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.join('.') || '(body)'
      return `${path}: ${issue.message}`
    })
    .join('; ')
}

/** A client as the token endpoint sees it at one moment: its credentials and the settings in force. */
export interface OAuthClient {
  readonly clientId: string
  /** Undefined for a public client (PlatformCLI): no secret is checked and the signature key is empty. */
  readonly clientSecret: string | undefined
  readonly name: string
  readonly settings: ConnectedAppSettings
}

interface SettingsVersion {
  readonly settings: ConnectedAppSettings
  readonly effectiveAt: number
}

function appSettingsOf(config: ConnectedAppConfig): ConnectedAppSettings {
  const { sessionTimeoutSeconds: _t, propagationDelayMs: _p, ...settings } = config
  return settings
}

function sameSettings(a: ConnectedAppSettings, b: ConnectedAppSettings): boolean {
  const keys = Object.keys(a) as Array<keyof ConnectedAppSettings>
  return (
    keys.length === Object.keys(b).length && keys.every((k) => JSON.stringify(a[k]) === JSON.stringify(b[k]))
  )
}

const PLATFORM_CLI_SETTINGS: ConnectedAppSettings = {
  oauthEnabled: true,
  deviceFlowEnabled: true,
  callbackUrls: [CLI_CALLBACK_URL],
  scopes: ['refresh_token', 'api', 'web'],
  requireSecretForWebServerFlow: false,
  requireSecretForRefreshTokenFlow: false,
  clientCredentialsEnabled: false,
  runAsUsername: null,
  introspectAllTokens: false,
  useDigitalSignatures: false,
  certificate: null,
  permittedUsers: 'all',
  passwordFlowEnabled: false,
  refreshTokenRotation: false,
  requirePkce: false,
}

/**
 * The org's OAuth clients: the Connected App (consumer key and secret derived from the org's seed) and
 * PlatformCLI. `client(id)` answers with the settings in force at the clock's current time.
 */
export class ConnectedAppRegistry {
  readonly consumerKey: string
  readonly consumerSecret: string
  readonly #org: EmulatorOrg
  #orgSettings: OrgOAuthSettings | undefined
  /** Oldest first; the first entry is in force from the start. Pruned as newer versions take effect. */
  #versions: SettingsVersion[] = []

  constructor(org: EmulatorOrg) {
    this.#org = org
    // Real consumer keys are 85 characters starting 3MVG9 over [A-Za-z0-9._]; secrets 64 characters.
    this.consumerKey = `3MVG9${seededToken(org.options.seed, 'consumer-key', 80)}`
    this.consumerSecret = seededToken(org.options.seed, 'consumer-secret', 64)
  }

  // The defaults name the org's My Domain, known only once the server listens: build them on first use.
  #defaults(): OrgOAuthSettings {
    if (!this.#orgSettings) {
      const config = defaultConnectedAppConfig(this.#org)
      this.#orgSettings = {
        sessionTimeoutSeconds: config.sessionTimeoutSeconds,
        propagationDelayMs: config.propagationDelayMs,
      }
      this.#versions = [{ settings: appSettingsOf(config), effectiveAt: Number.NEGATIVE_INFINITY }]
    }
    return this.#orgSettings
  }

  /** The org-level settings (in force at once). */
  get orgSettings(): OrgOAuthSettings {
    return this.#defaults()
  }

  /** The app's settings in force now (older ones while a change is still propagating). */
  inForce(): ConnectedAppSettings {
    this.#defaults()
    const now = this.#org.clock.now()
    let index = 0
    for (let i = 0; i < this.#versions.length; i++) {
      if ((this.#versions[i]?.effectiveAt ?? Infinity) <= now) index = i
    }
    if (index > 0) this.#versions = this.#versions.slice(index)
    const current = this.#versions[0]
    if (!current) throw new Error('the connected app has no settings')
    return current.settings
  }

  /** The config as last saved by the admin (what Setup shows), with org-level settings. */
  configured(): ConnectedAppConfig {
    const orgSettings = this.#defaults()
    const last = this.#versions[this.#versions.length - 1]
    if (!last) throw new Error('the connected app has no settings')
    return { ...last.settings, ...orgSettings }
  }

  /** Emulated time (ms) at which the last saved change takes effect, or undefined when it already has. */
  pendingUntil(): number | undefined {
    this.inForce()
    const last = this.#versions[this.#versions.length - 1]
    return this.#versions.length > 1 && last ? last.effectiveAt : undefined
  }

  /**
   * Saves a new config. Org-level fields act at once; the app's settings after `propagationDelayMs` (the
   * new value when the same change sets it, as an admin would change both and then wait).
   */
  save(config: ConnectedAppConfig): void {
    this.inForce()
    this.#orgSettings = {
      sessionTimeoutSeconds: config.sessionTimeoutSeconds,
      propagationDelayMs: config.propagationDelayMs,
    }
    const settings = appSettingsOf(config)
    const last = this.#versions[this.#versions.length - 1]
    // A save that changes only org-level fields leaves pending app changes on their own schedule.
    if (last && sameSettings(last.settings, settings)) return
    const effectiveAt = this.#org.clock.now() + config.propagationDelayMs
    this.#versions.push({ settings, effectiveAt })
  }

  /**
   * The client with `clientId` as the token endpoint sees it now, or undefined when the key is unknown or
   * the app's OAuth settings are off (both answer `invalid_client_id`).
   * UNCONFIRMED (reference §10/§11): while a change propagates we keep answering with the previous
   * settings; a newly enabled app therefore answers `invalid_client_id / client identifier invalid`
   * until the delay has passed, which is what pozil reports for new apps. Whether Salesforce also
   * answers `invalid_client_id` for an already working app while an edit propagates is not known; we
   * do not.
   */
  client(clientId: string): OAuthClient | undefined {
    if (clientId === PLATFORM_CLI_CLIENT_ID) {
      return { clientId, clientSecret: undefined, name: 'Salesforce CLI', settings: PLATFORM_CLI_SETTINGS }
    }
    if (clientId !== this.consumerKey) return undefined
    const settings = this.inForce()
    if (!settings.oauthEnabled) return undefined
    return { clientId, clientSecret: this.consumerSecret, name: 'sfsync', settings }
  }

  /** The display name of a client id, for the approval page (known clients only). */
  nameOf(clientId: string): string {
    return clientId === PLATFORM_CLI_CLIENT_ID ? 'Salesforce CLI' : 'sfsync'
  }
}
