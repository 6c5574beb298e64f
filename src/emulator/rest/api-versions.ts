/**
 * The API versions the emulated org serves: v31.0 (Summer '14) to v66.0 (Spring '26), three releases a
 * year (reference/salesforce-data-api.md §2.1). jsforce and the sf CLI default to 50.0 and 51.0.
 */

export const MIN_API_VERSION = 31
export const MAX_API_VERSION = 66

/** One entry of `GET /services/data`. */
export interface ApiVersionEntry {
  readonly label: string
  readonly url: string
  readonly version: string
}

const SEASONS = ['Summer', 'Winter', 'Spring'] as const

/** The release label of a major version: 31 → "Summer '14", 48 → "Spring '20", 66 → "Spring '26". */
export function releaseLabel(major: number): string {
  const step = major - MIN_API_VERSION
  const season = SEASONS[((step % 3) + 3) % 3] ?? 'Summer'
  const year = 14 + Math.floor((step + 2) / 3)
  return `${season} '${String(year).padStart(2, '0')}`
}

/** `GET /services/data`: every served version, oldest first. */
export function apiVersions(): ApiVersionEntry[] {
  const out: ApiVersionEntry[] = []
  for (let v = MIN_API_VERSION; v <= MAX_API_VERSION; v++) {
    out.push({ label: releaseLabel(v), url: `/services/data/v${v}.0`, version: `${v}.0` })
  }
  return out
}

/**
 * The version of a `vXX.X` path segment (`'v50.0'` → `'50.0'`), or undefined when the org does not
 * serve it (Salesforce answers those with 404 NOT_FOUND).
 */
export function parseApiVersion(segment: string): string | undefined {
  const match = /^v(\d{2})\.0$/.exec(segment)
  if (!match) return undefined
  const major = Number(match[1])
  return major >= MIN_API_VERSION && major <= MAX_API_VERSION ? `${major}.0` : undefined
}

/** The major number of a served version string (`'50.0'` → 50). */
export function majorOf(version: string): number {
  return Number.parseInt(version, 10)
}
