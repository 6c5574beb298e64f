/**
 * The TLS material of `sfsync emulator --https`: a fresh self-signed certificate per start, its PEM
 * written to a file that clients add as a trusted CA (the startup line's `certPath`). The private key
 * stays in memory.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateSelfSignedCertificate } from './self-signed-certificate.ts'

export interface EmulatorTls {
  readonly key: string
  readonly cert: string
  /** Absolute path of the certificate's PEM file. */
  readonly certPath: string
  /** Deletes the PEM file (and its folder when this module created it). */
  cleanup(): Promise<void>
}

/**
 * Generates the certificate and writes `emulator-cert.pem` into `dir` (the emulator's dataDir), or
 * into a new temporary folder when `dir` is undefined.
 * @example const tls = await createEmulatorTls(); https.createServer(tls); console.log(tls.certPath)
 */
export async function createEmulatorTls(dir?: string): Promise<EmulatorTls> {
  const { key, cert } = generateSelfSignedCertificate()
  const folder = dir ?? (await mkdtemp(join(tmpdir(), 'sfsync-emulator-tls-')))
  const certPath = join(folder, 'emulator-cert.pem')
  await writeFile(certPath, cert, { mode: 0o644 })
  return {
    key,
    cert,
    certPath,
    async cleanup() {
      await rm(dir === undefined ? folder : certPath, { recursive: true, force: true })
    },
  }
}
