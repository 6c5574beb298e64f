/**
 * The fault rules the control API accepts (`POST /__emulator/faults`): which requests (or Bulk jobs) a
 * rule matches, which fault it injects, and how often (by rate under a seed, or scripted: the next N).
 */
import { z } from 'zod'

/** Faults injected into an HTTP request, by the hooks in fault-hooks.ts. */
export const HTTP_FAULT_KINDS = [
  'latency',
  'server-error',
  'server-unavailable',
  'too-many-requests',
  'request-limit-exceeded',
  'invalid-session',
  'uri-too-long',
  'connection-reset',
  'truncated-csv',
] as const

/** Faults handed to the Bulk layer when it creates a job (FaultInjector.bulkJobFault). */
export const JOB_FAULT_KINDS = ['job-failed', 'job-query-timeout', 'job-stall'] as const

export type HttpFaultKind = (typeof HTTP_FAULT_KINDS)[number]
export type JobFaultKind = (typeof JOB_FAULT_KINDS)[number]
export type FaultKind = HttpFaultKind | JobFaultKind

/** Bulk API 2.0 job kinds a job rule can match. */
export type BulkJobKind = 'query' | 'ingest'

const faultSpecSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('latency'), ms: z.number().int().min(0).max(600_000) }).strict(),
  z.object({ kind: z.literal('server-error') }).strict(),
  z.object({ kind: z.literal('server-unavailable') }).strict(),
  z.object({ kind: z.literal('too-many-requests') }).strict(),
  z.object({ kind: z.literal('request-limit-exceeded') }).strict(),
  z.object({ kind: z.literal('invalid-session') }).strict(),
  z.object({ kind: z.literal('uri-too-long') }).strict(),
  z.object({ kind: z.literal('connection-reset') }).strict(),
  z.object({ kind: z.literal('truncated-csv') }).strict(),
  z.object({ kind: z.literal('job-failed'), message: z.string().min(1).max(2000).optional() }).strict(),
  z.object({ kind: z.literal('job-query-timeout') }).strict(),
  z
    .object({
      kind: z.literal('job-stall'),
      ms: z
        .number()
        .int()
        .min(1)
        .max(7 * 86_400_000),
    })
    .strict(),
])

export type FaultSpec = z.infer<typeof faultSpecSchema>

const ruleInputSchema = z
  .object({
    id: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'an id is 1-64 characters of A-Z a-z 0-9 _ . -')
      .optional(),
    method: z
      .string()
      .regex(/^(\*|[A-Za-z]+)$/, 'a method is an HTTP method name or *')
      .optional(),
    path: z.string().startsWith('/', 'a path pattern starts with /').max(2000).optional(),
    job: z.enum(['query', 'ingest', '*']).optional(),
    fault: faultSpecSchema,
    rate: z.number().min(0).max(1).optional(),
    times: z.number().int().min(1).optional(),
    skip: z.number().int().min(0).optional(),
    seed: z.string().min(1).max(200).optional(),
  })
  .strict()

/** A rule as the control API receives it. */
export type FaultRuleInput = z.infer<typeof ruleInputSchema>

/** A validated rule: every default applied. */
export interface FaultRule {
  readonly id: string
  /** `http`: matched against each request; `job`: against each Bulk job the Bulk layer creates. */
  readonly target: 'http' | 'job'
  /** Upper-case method or `*` (http rules). */
  readonly method: string
  /** The path pattern as given (http rules). */
  readonly path: string
  readonly pathRegExp: RegExp
  /** Job kind (job rules). */
  readonly job: BulkJobKind | '*'
  readonly fault: FaultSpec
  /** Probability per matching request; undefined for a scripted rule (every match fires). */
  readonly rate: number | undefined
  /** Fires at most this many times; undefined: no limit (rate rules only). */
  readonly times: number | undefined
  /** Matching requests to let through before the rule may fire. */
  readonly skip: number
  readonly seed: string
  /** Stable key of the rule's configuration: with the seed and the match number it decides each draw. */
  readonly drawKey: string
}

/** A rule the control API refuses, with a message a person can act on. */
export class FaultRuleError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'FaultRuleError'
  }
}

/**
 * Turns a path pattern into a RegExp over the request path (no query string): `*` matches within one
 * segment, `**` across segments. `/services/data/*\/query*` matches `/query` and `/queryAll` of any
 * version; `/services/data/**` matches every data API path.
 */
export function pathPatternToRegExp(pattern: string): RegExp {
  let source = ''
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] ?? ''
    if (ch === '*') {
      if (pattern[i + 1] === '*') {
        source += '.*'
        i++
      } else {
        source += '[^/]*'
      }
    } else {
      source += ch.replace(/[.+?^${}()|[\]\\]/g, '\\$&')
    }
  }
  return new RegExp(`^${source}$`)
}

/**
 * Validates the rules of a control API request and applies defaults. `defaultSeed` is the org's seed;
 * `nextId` names rules that came without an id.
 * @example parseFaultRules([{ path: '/services/data/*\/query', fault: { kind: 'server-unavailable' }, times: 2 }], 'sfsync', () => 'r1')
 */
export function parseFaultRules(input: unknown, defaultSeed: string, nextId: () => string): FaultRule[] {
  if (!Array.isArray(input)) throw new FaultRuleError('Give {"rules": [ ... ]}, an array of fault rules')
  return input.map((raw, index) => {
    const parsed = ruleInputSchema.safeParse(raw)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : ''
      throw new FaultRuleError(`rules[${index}]${where}: ${issue?.message ?? 'invalid rule'}`)
    }
    return toRule(parsed.data, index, defaultSeed, nextId)
  })
}

function toRule(input: FaultRuleInput, index: number, defaultSeed: string, nextId: () => string): FaultRule {
  const isJobFault = (JOB_FAULT_KINDS as readonly string[]).includes(input.fault.kind)
  const target = isJobFault ? 'job' : 'http'
  if (target === 'job' && (input.method !== undefined || input.path !== undefined))
    throw new FaultRuleError(
      `rules[${index}]: a ${input.fault.kind} rule matches Bulk jobs ("job"), not method/path`,
    )
  if (target === 'http' && input.job !== undefined)
    throw new FaultRuleError(
      `rules[${index}]: "job" is only for the job-* faults; ${input.fault.kind} needs a path`,
    )
  if (input.rate === undefined && input.times === undefined)
    throw new FaultRuleError(
      `rules[${index}]: give "rate" (probability 0-1 per matching request) or "times" (the next N matching requests)`,
    )
  const method = (input.method ?? '*').toUpperCase()
  const path = input.path ?? '/**'
  const job = input.job ?? '*'
  const seed = input.seed ?? defaultSeed
  const drawKey = JSON.stringify([
    target,
    method,
    path,
    job,
    input.fault,
    input.rate ?? null,
    input.skip ?? 0,
  ])
  return {
    id: input.id ?? nextId(),
    target,
    method,
    path,
    pathRegExp: pathPatternToRegExp(path),
    job,
    fault: input.fault,
    rate: input.rate,
    times: input.times,
    skip: input.skip ?? 0,
    seed,
    drawKey,
  }
}
