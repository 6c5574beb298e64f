/**
 * A self-signed X.509 certificate for `sfsync emulator --https`, built at start with node:crypto
 * alone: Node can parse certificates (X509Certificate) but not build them, and the DER needed for one
 * certificate is small enough to write here rather than add a dependency or require openssl.
 * The certificate is its own CA (basicConstraints CA:TRUE, like `openssl req -x509`), so a client
 * trusts it by adding its PEM as a CA; its subjectAltName covers 127.0.0.1 and localhost.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, X509Certificate } from 'node:crypto'
import { isIPv4 } from 'node:net'

/** A certificate and its private key, both PEM. */
export interface SelfSignedCertificate {
  readonly cert: string
  readonly key: string
}

export interface SelfSignedOptions {
  /** Common name of subject and issuer. */
  readonly commonName?: string
  /** DNS names for subjectAltName. */
  readonly dnsNames?: readonly string[]
  /** IPv4 addresses for subjectAltName. */
  readonly ipAddresses?: readonly string[]
  /** Validity in days from one day before now (clocks of clients differ). */
  readonly days?: number
  /** Now, in ms since the epoch (real time: TLS clients check against their own clock). */
  readonly now?: number
}

export const SELF_SIGNED_DEFAULTS = {
  commonName: 'sfsync emulator',
  dnsNames: ['localhost'],
  ipAddresses: ['127.0.0.1'],
  days: 365,
} as const

// DER (ITU-T X.690): tag, length, contents.
function der(tag: number, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts)
  const n = body.length
  let length: Buffer
  if (n < 0x80) length = Buffer.from([n])
  else {
    const bytes: number[] = []
    for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff)
    length = Buffer.from([0x80 | bytes.length, ...bytes])
  }
  return Buffer.concat([Buffer.from([tag]), length, body])
}

const sequence = (...parts: Buffer[]): Buffer => der(0x30, ...parts)
const set = (...parts: Buffer[]): Buffer => der(0x31, ...parts)
const octetString = (bytes: Buffer): Buffer => der(0x04, bytes)
const bitString = (bytes: Buffer): Buffer => der(0x03, Buffer.from([0]), bytes)
const utf8String = (text: string): Buffer => der(0x0c, Buffer.from(text, 'utf8'))
const explicit = (n: number, inner: Buffer): Buffer => der(0xa0 + n, inner)
const booleanTrue = (): Buffer => der(0x01, Buffer.from([0xff]))

function integer(bytes: Buffer): Buffer {
  let start = 0
  while (start < bytes.length - 1 && bytes[start] === 0 && (bytes[start + 1] ?? 0) < 0x80) start++
  const trimmed = bytes.subarray(start)
  return der(0x02, (trimmed[0] ?? 0) >= 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed)
}

function oid(dotted: string): Buffer {
  const [first = 0, second = 0, ...rest] = dotted.split('.').map(Number)
  const bytes: number[] = [first * 40 + second]
  for (const arc of rest) {
    const chunk: number[] = [arc & 0x7f]
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80)
    bytes.push(...chunk)
  }
  return der(0x06, Buffer.from(bytes))
}

/** UTCTime for years before 2050, GeneralizedTime after (RFC 5280 §4.1.2.5). */
function time(ms: number): Buffer {
  const iso = new Date(ms).toISOString()
  const digits = iso.slice(0, 19).replace(/[-:T]/g, '')
  const year = Number(iso.slice(0, 4))
  return year < 2050 ? der(0x17, Buffer.from(`${digits.slice(2)}Z`)) : der(0x18, Buffer.from(`${digits}Z`))
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return sequence(oid(id), ...(critical ? [booleanTrue()] : []), octetString(value))
}

/**
 * Generates a P-256 key and a certificate for it, signed by itself (ecdsa-with-SHA256).
 * @example const { cert, key } = generateSelfSignedCertificate(); https.createServer({ cert, key })
 */
export function generateSelfSignedCertificate(options: SelfSignedOptions = {}): SelfSignedCertificate {
  const commonName = options.commonName ?? SELF_SIGNED_DEFAULTS.commonName
  const dnsNames = options.dnsNames ?? SELF_SIGNED_DEFAULTS.dnsNames
  const ipAddresses = options.ipAddresses ?? SELF_SIGNED_DEFAULTS.ipAddresses
  const days = options.days ?? SELF_SIGNED_DEFAULTS.days
  const now = options.now ?? Date.now()
  for (const ip of ipAddresses) if (!isIPv4(ip)) throw new RangeError(`"${ip}" is not an IPv4 address`)

  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
  const spki = publicKey.export({ type: 'spki', format: 'der' })
  // subjectPublicKeyInfo ends with the key's BIT STRING; its bytes (after the unused-bits byte) are
  // what RFC 5280 §4.2.1.2 method 1 hashes for the key identifier.
  const publicKeyBits = spki.subarray(spki.length - 65)
  const keyId = createHash('sha1').update(publicKeyBits).digest()

  const ecdsaWithSha256 = sequence(oid('1.2.840.10045.4.3.2'))
  const name = sequence(set(sequence(oid('2.5.4.3'), utf8String(commonName))))
  const altNames = sequence(
    ...dnsNames.map((dns) => der(0x82, Buffer.from(dns, 'ascii'))),
    ...ipAddresses.map((ip) => der(0x87, Buffer.from(ip.split('.').map(Number)))),
  )
  const serial = randomBytes(16)
  serial[0] = (serial[0] ?? 0) & 0x7f
  const tbs = sequence(
    explicit(0, integer(Buffer.from([2]))),
    integer(serial),
    ecdsaWithSha256,
    name,
    sequence(time(now - 86_400_000), time(now + days * 86_400_000)),
    name,
    spki,
    explicit(
      3,
      sequence(
        extension('2.5.29.19', true, sequence(booleanTrue())),
        extension('2.5.29.14', false, octetString(keyId)),
        extension('2.5.29.35', false, sequence(der(0x80, keyId))),
        extension('2.5.29.17', false, altNames),
      ),
    ),
  )
  const signature = sign('sha256', tbs, privateKey)
  const certificate = sequence(tbs, ecdsaWithSha256, bitString(signature))

  const body = certificate
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .trimEnd()
  const cert = `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`
  // A malformed certificate fails here, at start, rather than in a client's handshake.
  const parsed = new X509Certificate(cert)
  if (!parsed.verify(publicKey)) throw new Error('the generated certificate does not verify')
  return { cert, key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() }
}
