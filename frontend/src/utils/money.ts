// Money typed by a clerk, and money arithmetic, on decimal strings only: amounts are yuan with
// at most two decimals (fen) and never pass through a float. Sums are done in integer fen
// with BigInt.

export type MoneyError = 'empty' | 'format' | 'decimals' | 'negative' | 'zero' | 'tooLarge'

export type MoneyParse = { ok: true; value: string } | { ok: false; error: MoneyError }

export interface MoneyOptions {
  /** Accept a leading minus (adjustments); default false. */
  allowNegative?: boolean
  /** Accept 0 / 0.00; default true. */
  allowZero?: boolean
}

/** The backend's limit: at most 16 digits before the point. */
const MAX_INT_DIGITS = 16

const FULL_WIDTH = /[０-９．，－＋]/g

function halfWidth(text: string): string {
  return text.replace(FULL_WIDTH, (ch) => {
    if (ch === '．') return '.'
    if (ch === '，') return ','
    if (ch === '－') return '-'
    if (ch === '＋') return '+'
    return String.fromCharCode(ch.charCodeAt(0) - 0xfee0)
  })
}

/**
 * What a clerk typed → the canonical decimal string the API takes ("1234.50").
 * Accepts "1234.5", "1,234.50", "¥1,234.5", "1234 元", full-width digits, surrounding spaces.
 * Refuses more than two decimals (no silent rounding: 元 with fen at most), letters, floats
 * written with exponents, and negatives unless `allowNegative`.
 */
export function parseMoney(input: string | null | undefined, options: MoneyOptions = {}): MoneyParse {
  const { allowNegative = false, allowZero = true } = options
  let text = halfWidth(String(input ?? '')).trim()
  if (text === '') return { ok: false, error: 'empty' }
  text = text.replace(/\s+/g, '')
  let sign = ''
  if (text.startsWith('-') || text.startsWith('+')) {
    sign = text[0] === '-' ? '-' : ''
    text = text.slice(1)
  }
  text = text.replace(/^[¥￥]/, '').replace(/(元|圆)$/, '')
  if (!/^(\d{1,3}(,\d{3})+|\d+)?(\.\d*)?$/.test(text) || text === '' || text === '.') {
    return { ok: false, error: 'format' }
  }
  const [intRaw = '', frac = ''] = text.replace(/,/g, '').split('.')
  if (frac.length > 2) return { ok: false, error: 'decimals' }
  const int = intRaw.replace(/^0+(?=\d)/, '') || '0'
  if (int.length > MAX_INT_DIGITS) return { ok: false, error: 'tooLarge' }
  const value = `${int}.${frac.padEnd(2, '0')}`
  const zero = /^0\.00$/.test(value)
  if (sign === '-' && !zero && !allowNegative) return { ok: false, error: 'negative' }
  if (zero && !allowZero) return { ok: false, error: 'zero' }
  return { ok: true, value: sign === '-' && !zero ? `-${value}` : value }
}

/** "1234567.50" → "1,234,567.50" (for an input box; no currency sign). Other text is returned as is. */
export function groupMoney(value: string): string {
  const match = /^(-?)(\d+)(\.\d+)?$/.exec(value)
  if (!match) return value
  const [, sign = '', int = '', frac = ''] = match
  return `${sign}${int.replace(/\B(?=(\d{3})+$)/g, ',')}${frac}`
}

/** A canonical decimal string ("-12.3", "5") → integer fen. Throws RangeError otherwise. */
export function toFen(value: string): bigint {
  const match = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(value.trim())
  if (!match) throw new RangeError(`Not a money string: ${JSON.stringify(value)}`)
  const [, sign, int = '0', frac = ''] = match
  const fen = BigInt(int) * 100n + BigInt(frac.padEnd(2, '0') || '0')
  return sign === '-' ? -fen : fen
}

/** Integer fen → "1234.50". */
export function fromFen(fen: bigint): string {
  const negative = fen < 0n
  const abs = negative ? -fen : fen
  const int = abs / 100n
  const frac = (abs % 100n).toString().padStart(2, '0')
  return `${negative && abs !== 0n ? '-' : ''}${int}.${frac}`
}

export function addMoney(...values: string[]): string {
  return fromFen(values.reduce((sum, v) => sum + toFen(v), 0n))
}

export function subtractMoney(a: string, b: string): string {
  return fromFen(toFen(a) - toFen(b))
}

/** -1, 0 or 1. */
export function compareMoney(a: string, b: string): number {
  const d = toFen(a) - toFen(b)
  return d < 0n ? -1 : d > 0n ? 1 : 0
}

export function isZeroMoney(value: string): boolean {
  return toFen(value) === 0n
}

/**
 * Every line's amount must be a positive amount (the API refuses 0 and > 2 decimals). Returns
 * the index of the first bad line, or -1.
 */
export function firstBadAmount(lines: readonly { amount: string }[]): number {
  return lines.findIndex((l) => !parseMoney(l.amount, { allowZero: false }).ok)
}
