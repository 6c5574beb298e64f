/**
 * SOQL date and datetime values: literals (`2024-01-31`, `2024-01-31T10:00:00.000+05:30`), relative
 * date literals (TODAY, LAST_N_DAYS:n, THIS_MONTH, ...) as day ranges, and REST output formats.
 * Relative literals are computed in UTC (the emulated user's time zone is GMT).
 */

const DAY_MS = 86_400_000

/** A half-open range of days since the epoch: `[start, end)`. */
export interface DayRange {
  readonly start: number
  readonly end: number
}

/** Milliseconds of a SOQL datetime literal, or undefined when it is not a real instant. */
export function parseDatetimeLiteral(text: string): number | undefined {
  const m =
    /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|([+-])(\d{2}):?(\d{2}))$/.exec(text)
  if (!m) return undefined
  const [, y, mo, d, h, mi, s, frac, zone, sign, zh, zm] = m
  if (!validDate(Number(y), Number(mo), Number(d))) return undefined
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined
  const ms = frac ? Math.floor(Number(`0.${frac}`) * 1000) : 0
  let t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms)
  if (zone !== 'Z') {
    if (Number(zh) > 23 || Number(zm) > 59) return undefined
    const offset = (Number(zh) * 60 + Number(zm)) * 60_000
    t -= sign === '+' ? offset : -offset
  }
  return t
}

/** True when `text` is a real calendar date `YYYY-MM-DD`. */
export function isDateLiteral(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text)
  return m !== null && validDate(Number(m[1]), Number(m[2]), Number(m[3]))
}

function validDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false
  return d <= new Date(Date.UTC(y, m, 0)).getUTCDate()
}

/** `YYYY-MM-DD` of a day number. */
export function dayToIso(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10)
}

/** A day number to epoch milliseconds. */
export function dayToMs(day: number): number {
  return day * DAY_MS
}

const PAD2 = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'))
const PAD3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'))
/** `YYYY-MM-DDT` by day number: most values of a column share few days. */
const dayPrefixes = new Map<number, string>()

/**
 * REST JSON datetime: `2013-05-20T20:49:32.000+0000`. Hot on every page of every query, so the day
 * part is cached and the time part assembled from lookup tables (Date#toISOString costs ~10x more).
 */
export function formatDatetime(ms: number): string {
  const day = Math.floor(ms / DAY_MS)
  let prefix = dayPrefixes.get(day)
  if (prefix === undefined) {
    if (dayPrefixes.size >= 100_000) dayPrefixes.clear()
    prefix = new Date(day * DAY_MS).toISOString().slice(0, 11)
    dayPrefixes.set(day, prefix)
  }
  let rest = ms - day * DAY_MS
  const h = Math.floor(rest / 3_600_000)
  rest -= h * 3_600_000
  const m = Math.floor(rest / 60_000)
  rest -= m * 60_000
  const s = Math.floor(rest / 1000)
  const milli = Math.floor(rest - s * 1000)
  return `${prefix}${PAD2[h] as string}:${PAD2[m] as string}:${PAD2[s] as string}.${PAD3[milli] as string}+0000`
}

function monthStart(year: number, month: number): number {
  return Date.UTC(year, month, 1) / DAY_MS
}

/**
 * The days a relative date literal covers at `nowMs` (SFDOC soql_select_dateformats).
 * UNCONFIRMED details: LAST_N_DAYS:n includes today ([today-n, today]); weeks start on Sunday (en_US);
 * fiscal periods equal calendar ones (an org's default fiscal year starts in January).
 */
export function dateLiteralRange(name: string, n: number | undefined, nowMs: number): DayRange {
  const today = Math.floor(nowMs / DAY_MS)
  const now = new Date(today * DAY_MS)
  const year = now.getUTCFullYear()
  const month = now.getUTCMonth()
  const weekStart = today - ((today + 4) % 7) // 1970-01-01 was a Thursday
  const quarter = Math.floor(month / 3) * 3
  const k = n ?? 0
  const unit = name.replace('FISCAL_', '')
  const months = (from: number, count: number): DayRange => ({
    start: monthStart(year, from),
    end: monthStart(year, from + count),
  })
  switch (unit) {
    case 'TODAY':
      return { start: today, end: today + 1 }
    case 'YESTERDAY':
      return { start: today - 1, end: today }
    case 'TOMORROW':
      return { start: today + 1, end: today + 2 }
    case 'LAST_90_DAYS':
      return { start: today - 90, end: today + 1 }
    case 'NEXT_90_DAYS':
      return { start: today + 1, end: today + 91 }
    case 'LAST_N_DAYS':
      return { start: today - k, end: today + 1 }
    case 'NEXT_N_DAYS':
      return { start: today + 1, end: today + 1 + k }
    case 'N_DAYS_AGO':
      return { start: today - k, end: today - k + 1 }
    case 'THIS_WEEK':
      return { start: weekStart, end: weekStart + 7 }
    case 'LAST_WEEK':
      return { start: weekStart - 7, end: weekStart }
    case 'NEXT_WEEK':
      return { start: weekStart + 7, end: weekStart + 14 }
    case 'LAST_N_WEEKS':
      return { start: weekStart - 7 * k, end: weekStart }
    case 'NEXT_N_WEEKS':
      return { start: weekStart + 7, end: weekStart + 7 + 7 * k }
    case 'N_WEEKS_AGO':
      return { start: weekStart - 7 * k, end: weekStart - 7 * k + 7 }
    case 'THIS_MONTH':
      return months(month, 1)
    case 'LAST_MONTH':
      return months(month - 1, 1)
    case 'NEXT_MONTH':
      return months(month + 1, 1)
    case 'LAST_N_MONTHS':
      return months(month - k, k)
    case 'NEXT_N_MONTHS':
      return months(month + 1, k)
    case 'N_MONTHS_AGO':
      return months(month - k, 1)
    case 'THIS_QUARTER':
      return months(quarter, 3)
    case 'LAST_QUARTER':
      return months(quarter - 3, 3)
    case 'NEXT_QUARTER':
      return months(quarter + 3, 3)
    case 'LAST_N_QUARTERS':
      return months(quarter - 3 * k, 3 * k)
    case 'NEXT_N_QUARTERS':
      return months(quarter + 3, 3 * k)
    case 'N_QUARTERS_AGO':
      return months(quarter - 3 * k, 3)
    case 'THIS_YEAR':
      return months(0, 12)
    case 'LAST_YEAR':
      return months(-12, 12)
    case 'NEXT_YEAR':
      return months(12, 12)
    case 'LAST_N_YEARS':
      return months(-12 * k, 12 * k)
    case 'NEXT_N_YEARS':
      return months(12, 12 * k)
    case 'N_YEARS_AGO':
      return months(-12 * k, 12)
    default:
      throw new Error(`unknown date literal ${name}`)
  }
}
