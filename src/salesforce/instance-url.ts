/**
 * Validation of the org URL a person gives to `sfsync connect`: an https My Domain (production, sandbox,
 * Developer Edition, scratch, government and China clouds) or the login hosts; plain http only on
 * loopback (the emulator). Lightning and Setup domains are refused with the URL to use instead.
 */
import { InputError } from '../config/sfsync-error.ts'

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1'])

/** Host suffixes of My Domains (reference §2.1; help "My Domain URL formats"). */
const MY_DOMAIN_SUFFIXES = [
  '.my.salesforce.com',
  '.my.salesforce.mil',
  '.my.sfcrmproducts.cn',
  '.my.site.com',
]

/** login.salesforce.com and test.salesforce.com: fine for the device and web flows, refused for client credentials. */
export const LOGIN_HOSTS = new Set(['login.salesforce.com', 'test.salesforce.com'])

export interface ValidatedUrl {
  /** The origin, e.g. `https://acme.my.salesforce.com`. */
  readonly origin: string
  readonly kind: 'my-domain' | 'login-host' | 'loopback'
  readonly sandbox: boolean
}

/**
 * Parses and checks an org URL.
 * @example validateInstanceUrl('https://acme--dev.sandbox.my.salesforce.com/').origin // 'https://acme--dev.sandbox.my.salesforce.com'
 */
export function validateInstanceUrl(raw: string): ValidatedUrl {
  const text = raw.trim()
  const example =
    'e.g. https://acme.my.salesforce.com or https://acme--dev.sandbox.my.salesforce.com (Setup → My Domain shows it)'
  if (text === '')
    throw new InputError('The instance URL is empty.', { nextStep: `Give --instance-url, ${example}.` })
  let url: URL
  try {
    url = new URL(/^[a-z]+:\/\//i.test(text) ? text : `https://${text}`)
  } catch {
    throw new InputError(`"${text}" is not a URL.`, { nextStep: `Give the org's My Domain URL, ${example}.` })
  }
  if (url.username || url.password)
    throw new InputError('The instance URL must not contain a user name or password.', {
      nextStep: `Give only the host, ${example}.`,
    })
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash)
    throw new InputError(
      `The instance URL must be only the org's address, without a path ("${url.pathname}${url.search}").`,
      {
        nextStep: `Use ${url.origin}.`,
      },
    )
  const host = url.hostname.toLowerCase()
  if (LOOPBACK.has(host)) {
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new InputError(`Unsupported scheme ${url.protocol}`)
    return { origin: url.origin, kind: 'loopback', sandbox: false }
  }
  if (url.protocol !== 'https:')
    throw new InputError(
      `Salesforce is only reachable over https; plain ${url.protocol.replace(':', '')} is allowed only for a local emulator (127.0.0.1/localhost).`,
      {
        nextStep: `Use https://${url.host}.`,
      },
    )
  const lightning = /^(.+?)(--[a-z0-9]+)?\.(sandbox\.)?lightning\.force\.com$/.exec(host)
  if (lightning) {
    const name = `${lightning[1]}${lightning[2] ?? ''}`
    const suggestion = `https://${name}.${lightning[3] ? 'sandbox.' : ''}my.salesforce.com`
    throw new InputError(`${host} is a Lightning UI domain, not an API host.`, {
      nextStep: `Use the My Domain URL, probably ${suggestion}.`,
    })
  }
  if (
    host.endsWith('.salesforce-setup.com') ||
    host.endsWith('.vf.force.com') ||
    host.endsWith('.visualforce.com')
  )
    throw new InputError(`${host} is a Setup or Visualforce domain, not an API host.`, {
      nextStep: `Use the My Domain URL, ${example}.`,
    })
  if (LOGIN_HOSTS.has(host))
    return { origin: url.origin, kind: 'login-host', sandbox: host.startsWith('test.') }
  if (MY_DOMAIN_SUFFIXES.some((s) => host.endsWith(s) && host.length > s.length))
    return { origin: url.origin, kind: 'my-domain', sandbox: host.includes('.sandbox.') }
  throw new InputError(`${host} is not a Salesforce My Domain.`, {
    nextStep: `Give the org's My Domain URL, ${example}.`,
  })
}
