// Display formatters. Money arrives from the backend as Decimal strings and is
// formatted with string arithmetic only: it never passes through a float.

const DECIMAL = /^([+-])?(\d+)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/

/**
 * Formats a decimal string as yuan, rounded half-up to fen (2 places).
 * '1234567.891' → '¥1,234,567.89'; '-5' → '-¥5.00'; '1.2E+3' → '¥1,200.00'.
 * Throws RangeError on anything that is not a plain or exponent decimal.
 */
export function formatMoney(value: string): string {
  const match = DECIMAL.exec(value.trim())
  if (!match) throw new RangeError(`Not a decimal string: ${JSON.stringify(value)}`)
  const [, sign = '', intDigits = '', fracDigits = '', exponent = '0'] = match

  // Shift the decimal point by the exponent, padding with zeros as needed.
  let digits = intDigits + fracDigits
  let point = intDigits.length + Number(exponent)
  if (point < 0) {
    digits = '0'.repeat(-point) + digits
    point = 0
  }
  digits = digits.padEnd(point + 3, '0')

  // Fen as an integer digit string, rounded half-up on the third decimal.
  let fen = digits.slice(0, point + 2)
  if (digits.charAt(point + 2) >= '5') fen = incrementDigits(fen)
  fen = fen.replace(/^0+/, '').padStart(3, '0')

  const yuan = fen.slice(0, -2).replace(/\B(?=(\d{3})+$)/g, ',')
  const negative = sign === '-' && /[1-9]/.test(fen)
  return `${negative ? '-' : ''}¥${yuan}.${fen.slice(-2)}`
}

/** Adds one to a non-negative integer written as a digit string. */
function incrementDigits(digits: string): string {
  const out = digits.split('')
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i] !== '9') {
      out[i] = String(Number(out[i]) + 1)
      return out.join('')
    }
    out[i] = '0'
  }
  return `1${out.join('')}`
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?)?$/i

const beijingDate = new Intl.DateTimeFormat('en-US', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
})

/**
 * Formats an ISO 8601 date or datetime as '2024年1月16日'.
 * Date-only and offset-less values are taken as written; values with an offset
 * (or 'Z') are shown as the calendar date in Beijing time.
 * Throws RangeError on anything else.
 */
export function formatDate(iso: string): string {
  const match = ISO_DATE.exec(iso.trim())
  const [, y = '', m = '', d = '', time, offset] = match ?? []
  let year = Number(y)
  let month = Number(m)
  let day = Number(d)
  if (!match || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    throw new RangeError(`Not an ISO 8601 date: ${JSON.stringify(iso)}`)
  }
  if (offset) {
    const zone = offset.toUpperCase() === 'Z' ? 'Z' : offset.replace(/^([+-]\d{2}):?(\d{2})$/, '$1:$2')
    const instant = new Date(`${y}-${m}-${d}T${time}${zone}`)
    if (Number.isNaN(instant.getTime())) throw new RangeError(`Not an ISO 8601 date: ${JSON.stringify(iso)}`)
    const parts = Object.fromEntries(beijingDate.formatToParts(instant).map((p) => [p.type, p.value]))
    year = Number(parts.year)
    month = Number(parts.month)
    day = Number(parts.day)
  }
  return `${year}年${month}月${day}日`
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate()
}

const beijingDateTime = new Intl.DateTimeFormat('en-US', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
})

/** Calendar fields of an instant in Beijing time (zero-padded strings). */
export function beijingParts(instant: Date): Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second', string> {
  const parts = Object.fromEntries(beijingDateTime.formatToParts(instant).map((p) => [p.type, p.value]))
  return {
    year: parts.year ?? '',
    month: parts.month ?? '',
    day: parts.day ?? '',
    hour: parts.hour ?? '',
    minute: parts.minute ?? '',
    second: parts.second ?? '',
  }
}

/**
 * Formats an ISO 8601 instant as '2024年1月16日 14:30:05' in Beijing time (log tables, where
 * the time of day matters). Empty for null; the input itself when it is not a date.
 */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return ''
  const instant = new Date(iso)
  if (Number.isNaN(instant.getTime())) return iso
  const p = beijingParts(instant)
  return `${Number(p.year)}年${Number(p.month)}月${Number(p.day)}日 ${p.hour}:${p.minute}:${p.second}`
}

/** Like formatDateTime without the seconds: '2024年1月16日 14:30' (narrow table columns). */
export function formatDateTimeShort(iso: string | null | undefined): string {
  return formatDateTime(iso).replace(/:\d{2}$/, '')
}
