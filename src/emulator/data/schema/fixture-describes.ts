/**
 * The recorded describes (BSD-3, CumulusCI; see ../describes/README.md), read once per process from
 * the copies next to this folder. Account, Contact and Opportunity are served from them field for field.
 */
import { readFileSync } from 'node:fs'
import type { DescribeSObject } from '../org-data.ts'

const DESCRIBES = new URL('../describes/', import.meta.url)

/** Objects served from the recordings. */
export const FIXTURE_OBJECTS = ['Account', 'Contact', 'Opportunity'] as const

let cache: Map<string, DescribeSObject> | undefined
let globalCache: RecordedDescribeGlobal | undefined

/** The envelope of the recorded describeGlobal. */
export interface RecordedDescribeGlobal {
  readonly encoding: string
  readonly maxBatchSize: number
  readonly sobjects: ReadonlyArray<Readonly<Record<string, unknown>>>
}

function readJson(file: string): unknown {
  return JSON.parse(readFileSync(new URL(file, DESCRIBES), 'utf8'))
}

/** The recorded describe of one of FIXTURE_OBJECTS (a fresh deep copy each call). */
export function recordedDescribe(name: (typeof FIXTURE_OBJECTS)[number]): DescribeSObject {
  if (!cache) {
    cache = new Map()
    for (const n of FIXTURE_OBJECTS) cache.set(n, readJson(`${n}.json`) as DescribeSObject)
  }
  const d = cache.get(name)
  if (!d) throw new Error(`no recorded describe for ${name}`)
  return structuredClone(d)
}

/** The recorded describeGlobal (trimmed to 110 objects by its recorder). */
export function recordedDescribeGlobal(): RecordedDescribeGlobal {
  globalCache ??= readJson('_describeGlobal.json') as RecordedDescribeGlobal
  return globalCache
}
