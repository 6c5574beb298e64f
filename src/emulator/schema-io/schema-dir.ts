/**
 * `--schema DIR`: an org built from describe JSON files instead of the built-in objects. Each `X.json`
 * is the body of `GET /services/data/vXX.X/sobjects/X/describe`, bare or wrapped as
 * `sf sobject describe --json` prints it (`{"status": 0, "result": {...}}`); `_describeGlobal.json`
 * (optional) is the body of `GET /sobjects`, used to check names and for the global entries' order.
 * The describes are served as they are (their `urls` rewritten per request by the REST layer).
 * @example const schemas = loadSchemaDir('/path/to/describes', Date.now())
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { DescribeSObject } from '../data/org-data.ts'
import { OrgSObjectSchema } from '../data/schema/sobject-schema.ts'

export const DESCRIBE_GLOBAL_FILE = '_describeGlobal.json'

/** Unwraps `{status, result}` (the sf CLI's `--json` envelope); a bare body is returned as is. */
export function unwrapSfJson(parsed: unknown): unknown {
  if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
    const o = parsed as Record<string, unknown>
    if ('result' in o && 'status' in o && o.result && typeof o.result === 'object') return o.result
  }
  return parsed
}

function readJson(file: string): unknown {
  const text = readFileSync(file, 'utf8')
  try {
    return unwrapSfJson(JSON.parse(text))
  } catch (err) {
    throw new Error(
      `--schema: ${file} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    )
  }
}

/** Checks that `value` looks like a describe (name, fields with name and type); returns it typed. */
export function checkDescribe(value: unknown, file: string): DescribeSObject {
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new Error(`--schema: ${file} is not a describe (expected a JSON object)`)
  const d = value as Record<string, unknown>
  if (typeof d.name !== 'string' || !/^[A-Za-z][A-Za-z0-9_]*$/.test(d.name))
    throw new Error(`--schema: ${file} has no valid "name"`)
  if (!Array.isArray(d.fields) || d.fields.length === 0)
    throw new Error(`--schema: ${file} (${d.name}) has no "fields"`)
  const seen = new Set<string>()
  for (const f of d.fields as unknown[]) {
    const field = f as Record<string, unknown> | null
    if (!field || typeof field.name !== 'string' || typeof field.type !== 'string')
      throw new Error(`--schema: ${file} (${d.name}) has a field without "name" and "type"`)
    const lower = field.name.toLowerCase()
    if (seen.has(lower)) throw new Error(`--schema: ${file} (${d.name}) lists field ${field.name} twice`)
    seen.add(lower)
  }
  if (!seen.has('id')) throw new Error(`--schema: ${file} (${d.name}) has no Id field`)
  return value as DescribeSObject
}

/** The describes of `dir`, sorted by name as describeGlobal lists them. */
export function readSchemaDir(dir: string): DescribeSObject[] {
  let names: string[]
  try {
    if (!statSync(dir).isDirectory()) throw new Error('not a folder')
    names = readdirSync(dir)
  } catch (err) {
    throw new Error(
      `--schema: cannot read folder ${dir}: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    )
  }
  const describes: DescribeSObject[] = []
  const seen = new Set<string>()
  for (const name of names.filter((n) => n.endsWith('.json') && n !== DESCRIBE_GLOBAL_FILE).sort()) {
    const describe = checkDescribe(readJson(join(dir, name)), name)
    if (seen.has(describe.name.toLowerCase()))
      throw new Error(`--schema: two files describe ${describe.name}`)
    seen.add(describe.name.toLowerCase())
    describes.push(describe)
  }
  if (describes.length === 0) throw new Error(`--schema: ${dir} holds no describe (*.json) file`)
  if (names.includes(DESCRIBE_GLOBAL_FILE)) {
    const global = readJson(join(dir, DESCRIBE_GLOBAL_FILE)) as { sobjects?: unknown }
    if (!Array.isArray(global.sobjects))
      throw new Error(`--schema: ${DESCRIBE_GLOBAL_FILE} has no "sobjects" list`)
    const listed = new Map(
      (global.sobjects as Array<Record<string, unknown>>).map((e) => [String(e.name).toLowerCase(), e]),
    )
    for (const d of describes) {
      const entry = listed.get(d.name.toLowerCase())
      // The describe wins; a describeGlobal entry that disagrees on the key prefix is a broken folder.
      if (entry && entry.keyPrefix !== undefined && entry.keyPrefix !== d.keyPrefix)
        throw new Error(
          `--schema: ${d.name} has keyPrefix ${String(d.keyPrefix)} but ${DESCRIBE_GLOBAL_FILE} says ${JSON.stringify(entry.keyPrefix)}`,
        )
    }
  }
  return describes.sort((a, b) => a.name.localeCompare(b.name))
}

/** The org's schemas from `dir`; `lastModifiedMs` is when the schema was loaded (emulated time). */
export function loadSchemaDir(dir: string, lastModifiedMs: number): OrgSObjectSchema[] {
  return readSchemaDir(dir).map((d) => new OrgSObjectSchema(d, lastModifiedMs))
}
