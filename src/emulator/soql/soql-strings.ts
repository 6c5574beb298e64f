/**
 * SOQL string literals: `'O\'Brien'` with backslash escapes (`\n \r \t \b \f \" \' \\ \uXXXX`), and
 * `\%` / `\_` which mean a literal `%` / `_` inside a LIKE pattern.
 */

const SIMPLE: Record<string, string> = {
  n: '\n',
  r: '\r',
  t: '\t',
  b: '\b',
  f: '\f',
  '"': '"',
  "'": "'",
  '\\': '\\',
}

/** A piece of a decoded literal: text, or a LIKE wildcard written unescaped. */
export type StringPiece = { readonly text: string } | { readonly wildcard: '%' | '_' }

/**
 * Decodes the literal `raw` (quotes included) into pieces, or returns the offset (within `raw`) of a
 * bad escape sequence.
 */
export function decodeString(raw: string): StringPiece[] | number {
  const pieces: StringPiece[] = []
  let text = ''
  for (let i = 1; i < raw.length - 1; i++) {
    const c = raw[i] as string
    if (c === '%' || c === '_') {
      if (text) pieces.push({ text })
      text = ''
      pieces.push({ wildcard: c })
      continue
    }
    if (c !== '\\') {
      text += c
      continue
    }
    const e = raw[i + 1] ?? ''
    const lower = e.toLowerCase()
    if (SIMPLE[lower] !== undefined && (lower === e || /[NRTBF]/.test(e))) {
      text += SIMPLE[lower]
      i++
    } else if (e === '%' || e === '_') {
      text += e
      i++
    } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(raw.slice(i + 2, i + 6))) {
      text += String.fromCharCode(parseInt(raw.slice(i + 2, i + 6), 16))
      i += 5
    } else {
      return i
    }
  }
  if (text) pieces.push({ text })
  return pieces
}

/**
 * The value of a literal outside LIKE: wildcards are plain characters there.
 * UNCONFIRMED: `\%` and `\_` outside LIKE are taken as the plain characters.
 */
export function plainValue(pieces: readonly StringPiece[]): string {
  let out = ''
  for (const p of pieces) out += 'text' in p ? p.text : p.wildcard
  return out
}

/** The pattern for SQLite `LIKE ? ESCAPE '\'`. */
export function likePattern(pieces: readonly StringPiece[]): string {
  let out = ''
  for (const p of pieces) out += 'text' in p ? p.text.replace(/[\\%_]/g, (m) => `\\${m}`) : p.wildcard
  return out
}
