/**
 * Property test: random WHERE trees over random rows, each answered by the engine and by an
 * evaluator written here from SOQL's rules (two-valued logic, null-inclusive != / NOT IN / NOT,
 * case-insensitive strings, UTC date ranges). A disagreement is a silently wrong answer.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { executeSoql } from './soql-engine.ts'
import { createTestOrg } from './soql-test-org.ts'

const NOW = Date.UTC(2024, 6, 17, 9, 30) // Wednesday 2024-07-17 09:30 UTC
const DAY = 86_400_000

let state = 20240717
function rnd(n: number): number {
  state = (Math.imul(state, 1664525) + 1013904223) >>> 0
  return state % n
}
const pick = <T>(xs: readonly T[]): T => xs[rnd(xs.length)] as T
const maybe = <T>(v: T): T | null => (rnd(5) === 0 ? null : v)

interface Row {
  Id: string
  Name: string | null
  Count__c: number | null
  Amount__c: number | null
  Flag__c: boolean
  Due__c: string | null
  When__c: number | null
  Colors__c: string | null
}

const WORDS = ['ab', 'Ab', 'a_b', 'a%b', 'ba', 'B', 'abc', 'x', "o'k", 'zz']
const COLORS = ['Red', 'Blue', 'Green']

function randomRow(): Omit<Row, 'Id'> {
  const colors = COLORS.filter(() => rnd(2) === 0)
  return {
    Name: maybe(pick(WORDS) + (rnd(2) ? pick(WORDS) : '')),
    Count__c: maybe(rnd(7) - 3),
    Amount__c: maybe((rnd(9) - 4) / 2),
    Flag__c: rnd(2) === 0,
    Due__c: maybe(new Date(NOW + (rnd(80) - 40) * DAY).toISOString().slice(0, 10)),
    When__c: maybe(NOW + (rnd(80) - 40) * DAY + (rnd(48) - 24) * 3_600_000),
    Colors__c: colors.length === 0 ? null : colors.join(';'),
  }
}

interface Case {
  readonly soql: string
  readonly test: (r: Row) => boolean
}

const fold = (s: string): string => s.toLowerCase()
const quote = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`

function compare(op: string, a: number | string, b: number | string): boolean {
  switch (op) {
    case '<':
      return a < b
    case '<=':
      return a <= b
    case '>':
      return a > b
    default:
      return a >= b
  }
}

/** A comparison on a scalar field; `norm` maps values to what compares (folded strings). */
function scalar<T extends number | string>(
  field: keyof Row,
  value: () => T,
  lit: (v: T) => string,
  norm: (v: T) => number | string,
): Case {
  const get = (r: Row) => r[field] as T | null
  const op = pick(['=', '!=', '<', '<=', '>', '>=', 'IN', 'NOT IN', '= null', '!= null'])
  if (op === '= null') return { soql: `${field} = null`, test: (r) => get(r) === null }
  if (op === '!= null') return { soql: `${field} != null`, test: (r) => get(r) !== null }
  if (op === 'IN' || op === 'NOT IN') {
    const vs = [value(), value(), value()]
    const withNull = rnd(4) === 0
    const inList = (r: Row) => {
      const x = get(r)
      return x === null ? withNull : vs.some((v) => norm(v) === norm(x))
    }
    const soql = `${field} ${op} (${vs.map(lit).join(', ')}${withNull ? ', null' : ''})`
    return { soql, test: op === 'IN' ? inList : (r) => !inList(r) }
  }
  const v = value()
  const soql = `${field} ${op} ${lit(v)}`
  if (op === '=') return { soql, test: (r) => get(r) !== null && norm(get(r) as T) === norm(v) }
  if (op === '!=') return { soql, test: (r) => get(r) === null || norm(get(r) as T) !== norm(v) }
  return { soql, test: (r) => get(r) !== null && compare(op, norm(get(r) as T), norm(v)) }
}

/** Days [start, end) of a relative literal, computed here with Date arithmetic. */
function relative(): { lit: string; start: number; end: number } {
  const today = Math.floor(NOW / DAY)
  const n = rnd(10)
  const d = new Date(NOW)
  const monthStart = (m: number) => Date.UTC(d.getUTCFullYear(), m, 1) / DAY
  const sunday = today - new Date(NOW).getUTCDay()
  return pick([
    { lit: 'TODAY', start: today, end: today + 1 },
    { lit: 'YESTERDAY', start: today - 1, end: today },
    { lit: 'TOMORROW', start: today + 1, end: today + 2 },
    { lit: `LAST_N_DAYS:${n}`, start: today - n, end: today + 1 },
    { lit: `NEXT_N_DAYS:${n}`, start: today + 1, end: today + 1 + n },
    { lit: `N_DAYS_AGO:${n}`, start: today - n, end: today - n + 1 },
    { lit: 'THIS_WEEK', start: sunday, end: sunday + 7 },
    { lit: 'LAST_WEEK', start: sunday - 7, end: sunday },
    { lit: 'THIS_MONTH', start: monthStart(d.getUTCMonth()), end: monthStart(d.getUTCMonth() + 1) },
    { lit: 'LAST_MONTH', start: monthStart(d.getUTCMonth() - 1), end: monthStart(d.getUTCMonth()) },
  ])
}

function dateRange(field: 'Due__c' | 'When__c'): Case {
  const { lit, start, end } = relative()
  const op = pick(['=', '!=', '<', '<=', '>', '>='])
  const day = (r: Row): number | null => {
    const v = r[field]
    if (v === null) return null
    return field === 'Due__c' ? Date.parse(`${v as string}T00:00:00Z`) / DAY : Math.floor((v as number) / DAY)
  }
  const inRange = (x: number) => x >= start && x < end
  const tests: Record<string, (x: number) => boolean> = {
    '=': inRange,
    '!=': (x) => !inRange(x),
    '<': (x) => x < start,
    '<=': (x) => x < end,
    '>': (x) => x >= end,
    '>=': (x) => x >= start,
  }
  const t = tests[op] as (x: number) => boolean
  return { soql: `${field} ${op} ${lit}`, test: (r) => (day(r) === null ? op === '!=' : t(day(r) as number)) }
}

function datetimeLiteral(ms: number): string {
  const offsetMin = pick([0, 330, -480, 60])
  const local = new Date(ms + offsetMin * 60_000).toISOString()
  const body = rnd(2) ? local.slice(0, 19) : local.slice(0, 23)
  if (offsetMin === 0 && rnd(2)) return `${body}Z`
  const sign = offsetMin < 0 ? '-' : '+'
  const abs = Math.abs(offsetMin)
  return `${body}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`
}

function leaf(rows: readonly Row[]): Case {
  switch (rnd(9)) {
    case 0:
      return scalar('Name', () => pick(WORDS), quote, fold)
    case 1:
      return scalar(
        'Count__c',
        () => rnd(7) - 3,
        String,
        (v) => v,
      )
    case 2:
      return scalar(
        'Amount__c',
        () => (rnd(9) - 4) / 2,
        (v) => v.toFixed(1),
        (v) => v,
      )
    case 3: {
      const v = rnd(2) === 0
      return { soql: `Flag__c = ${v ? 'TRUE' : 'false'}`, test: (r) => r.Flag__c === v }
    }
    case 4:
      return scalar(
        'Due__c',
        () => pick(rows).Due__c ?? '2024-07-01',
        (v) => v,
        (v) => v,
      )
    case 5:
      return scalar(
        'When__c',
        () => pick(rows).When__c ?? NOW,
        datetimeLiteral,
        (v) => v,
      )
    case 6:
      return dateRange(pick(['Due__c', 'When__c'] as const))
    case 7: {
      const pattern = pick(['a%', '%b', '_b%', 'a\\_b%', 'a\\%%', '%', "o\\'%", 'AB'])
      const re = likeOracle(pattern)
      return { soql: `Name LIKE '${pattern}'`, test: (r) => r.Name !== null && re.test(r.Name) }
    }
    default: {
      const groups = [0, 1].slice(0, 1 + rnd(2)).map(() => COLORS.filter(() => rnd(2) === 0).slice(0, 2))
      const usable = groups.filter((g) => g.length > 0)
      if (usable.length === 0) return { soql: "Colors__c INCLUDES ('Red')", test: (r) => has(r, ['Red']) }
      const op = rnd(2) ? 'INCLUDES' : 'EXCLUDES'
      const soql = `Colors__c ${op} (${usable.map((g) => quote(g.join(';').toLowerCase())).join(', ')})`
      const inc = (r: Row) => usable.some((g) => has(r, g))
      return { soql, test: op === 'INCLUDES' ? inc : (r) => !inc(r) }
    }
  }
}

/** The pattern as written in the SOQL literal, read character by character into a RegExp. */
function likeOracle(pattern: string): RegExp {
  let src = '^'
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string
    // An escaped character (\% \_ \') is itself; none of them is special in a RegExp.
    if (c === '\\') src += pattern[++i] as string
    else if (c === '%') src += '.*'
    else if (c === '_') src += '.'
    else src += c
  }
  return new RegExp(`${src}$`, 'is')
}

function has(r: Row, values: readonly string[]): boolean {
  const set = new Set((r.Colors__c ?? '').split(';'))
  return r.Colors__c !== null && values.every((v) => set.has(v))
}

function tree(rows: readonly Row[], depth: number): Case {
  const kind = depth === 0 ? 0 : rnd(4)
  if (kind <= 1) return leaf(rows)
  if (kind === 2) {
    const inner = tree(rows, depth - 1)
    return { soql: `(NOT ${inner.soql})`, test: (r) => !inner.test(r) }
  }
  const items = Array.from({ length: 2 + rnd(2) }, () => tree(rows, depth - 1))
  const and = rnd(2) === 0
  return {
    soql: `(${items.map((i) => i.soql).join(and ? ' AND ' : ' OR ')})`,
    test: and ? (r) => items.every((i) => i.test(r)) : (r) => items.some((i) => i.test(r)),
  }
}

test('random WHERE trees agree with an independent evaluator of SOQL semantics', () => {
  const org = createTestOrg()
  const rows: Row[] = []
  for (let i = 0; i < 300; i++) {
    const r = randomRow()
    const Id = org.insert('Widget__c', {
      ...r,
      When__c: r.When__c === null ? null : new Date(r.When__c).toISOString(),
    })
    rows.push({ Id, ...r })
  }
  let nonTrivial = 0
  for (let i = 0; i < 500; i++) {
    const c = tree(rows, 3)
    const soql = `SELECT Id FROM Widget__c WHERE ${c.soql}`
    const cur = executeSoql(org.db, org, soql, { includeDeleted: false, nowMs: NOW })
    const got = [...cur.rows(0, 1000)].map((r) => r[0])
    const want = rows.filter(c.test).map((r) => r.Id)
    assert.deepEqual(got, want, soql)
    assert.equal(cur.totalSize, want.length)
    if (want.length > 0 && want.length < rows.length) nonTrivial++
  }
  // The generator must exercise real filtering, not only all-or-nothing answers.
  assert.ok(nonTrivial > 250, `only ${nonTrivial} selective queries`)
})

/** A random ORDER BY and the comparator it means (nulls first ascending, last descending by default). */
function randomOrder(): { soql: string; compare: (a: Row, b: Row) => number } {
  const keys = Array.from({ length: 1 + rnd(2) }, () => {
    const field = pick(['Name', 'Count__c', 'Due__c', 'Amount__c', 'When__c'] as const)
    const desc = rnd(2) === 0
    const nulls = pick([undefined, 'FIRST', 'LAST'] as const)
    const nullsFirst = nulls === undefined ? !desc : nulls === 'FIRST'
    const value = (r: Row) => {
      const v = r[field]
      return typeof v === 'string' ? v.toLowerCase() : v
    }
    const compare = (a: Row, b: Row): number => {
      const x = value(a)
      const y = value(b)
      if (x === null || y === null) return x === y ? 0 : (x === null) === nullsFirst ? -1 : 1
      const c = x < y ? -1 : x > y ? 1 : 0
      return desc ? -c : c
    }
    return {
      soql: `${field}${desc ? ' DESC' : rnd(2) ? ' ASC' : ''}${nulls ? ` NULLS ${nulls}` : ''}`,
      compare,
    }
  })
  return {
    soql: keys.map((k) => k.soql).join(', '),
    compare: (a, b) => {
      for (const k of keys) {
        const c = k.compare(a, b)
        if (c !== 0) return c
      }
      return 0
    },
  }
}

test('random ORDER BY keys over filtered rows agree with a JS sort (stable in insertion order)', () => {
  const org = createTestOrg()
  const rows: Row[] = []
  for (let i = 0; i < 200; i++) {
    const r = randomRow()
    const When = r.When__c === null ? null : new Date(r.When__c).toISOString()
    rows.push({ Id: org.insert('Widget__c', { ...r, When__c: When }), ...r })
  }
  for (let i = 0; i < 200; i++) {
    const c = tree(rows, 2)
    const order = randomOrder()
    const limit = rnd(3) === 0 ? 1 + rnd(50) : undefined
    const soql = `SELECT Id FROM Widget__c WHERE ${c.soql} ORDER BY ${order.soql}${limit ? ` LIMIT ${limit}` : ''}`
    const cur = executeSoql(org.db, org, soql, { includeDeleted: false, nowMs: NOW })
    // Array#sort is stable: ties keep insertion order, the engine's tie-break (rowid).
    const want = rows
      .filter(c.test)
      .sort(order.compare)
      .slice(0, limit)
      .map((r) => r.Id)
    assert.deepEqual(
      cur.fetch(0, 1000, '60.0').map((r) => r.Id),
      want,
      soql,
    )
  }
})
