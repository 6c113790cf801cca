import { describe, expect, it } from 'vitest'
import { formatDate, formatDateTime, formatDateTimeShort, formatMoney } from './format'

describe('formatMoney', () => {
  it.each([
    ['1234567.89', '¥1,234,567.89'],
    ['0', '¥0.00'],
    ['0.00', '¥0.00'],
    ['5', '¥5.00'],
    ['999.9', '¥999.90'],
    ['1000', '¥1,000.00'],
    ['-1234.5', '-¥1,234.50'],
    ['+12', '¥12.00'],
    ['007.10', '¥7.10'],
    [' 42.00 ', '¥42.00'],
  ])('formats %j as %s', (input, expected) => {
    expect(formatMoney(input)).toBe(expected)
  })

  it('rounds half-up to fen with carries', () => {
    expect(formatMoney('0.125')).toBe('¥0.13')
    expect(formatMoney('0.124999')).toBe('¥0.12')
    expect(formatMoney('999999.995')).toBe('¥1,000,000.00')
    expect(formatMoney('-2.675')).toBe('-¥2.68')
  })

  it('keeps precision far beyond float range', () => {
    // 2^53 + 1 and a 0.01 step that a float would lose.
    expect(formatMoney('9007199254740993.01')).toBe('¥9,007,199,254,740,993.01')
    expect(formatMoney('12345678901234567890.12')).toBe('¥12,345,678,901,234,567,890.12')
  })

  it('accepts exponent notation as Python Decimal may print it', () => {
    expect(formatMoney('1E+3')).toBe('¥1,000.00')
    expect(formatMoney('1.5e2')).toBe('¥150.00')
    expect(formatMoney('5E-3')).toBe('¥0.01')
    expect(formatMoney('0E-8')).toBe('¥0.00')
  })

  it('never prints a negative zero', () => {
    expect(formatMoney('-0.001')).toBe('¥0.00')
    expect(formatMoney('-0')).toBe('¥0.00')
  })

  it.each(['', 'abc', '1,000', '1.2.3', '--1', 'NaN', 'Infinity', '.5'])('rejects %j', (input) => {
    expect(() => formatMoney(input)).toThrow(RangeError)
  })
})

describe('formatDate', () => {
  it.each([
    ['2024-01-16', '2024年1月16日'],
    ['2024-12-31', '2024年12月31日'],
    ['2024-02-29', '2024年2月29日'],
    ['2024-01-16T23:59:59', '2024年1月16日'],
    ['2024-01-16 08:00', '2024年1月16日'],
    ['2024-01-16T10:00:00+08:00', '2024年1月16日'],
    ['2024-01-16T10:00:00.123456+0800', '2024年1月16日'],
  ])('formats %j as %s', (input, expected) => {
    expect(formatDate(input)).toBe(expected)
  })

  it('shows instants as the Beijing calendar date', () => {
    expect(formatDate('2024-01-15T16:00:00Z')).toBe('2024年1月16日')
    expect(formatDate('2024-01-15T15:59:59Z')).toBe('2024年1月15日')
    expect(formatDate('2023-12-31T20:00:00-05:00')).toBe('2024年1月1日')
  })

  it.each(['', '2024/01/16', '16-01-2024', '2023-02-29', '2024-13-01', '2024-01-00', 'yesterday'])(
    'rejects %j',
    (input) => {
      expect(() => formatDate(input)).toThrow(RangeError)
    },
  )
})

describe('formatDateTime', () => {
  it('shows an instant in Beijing time with the time of day', () => {
    expect(formatDateTime('2024-01-16T06:05:09Z')).toBe('2024年1月16日 14:05:09')
    expect(formatDateTime('2024-12-31T16:00:00.123456+00:00')).toBe('2025年1月1日 00:00:00')
    expect(formatDateTimeShort('2024-01-16T06:05:09Z')).toBe('2024年1月16日 14:05')
  })

  it('is empty for null and leaves non-dates alone', () => {
    expect(formatDateTime(null)).toBe('')
    expect(formatDateTime('not a date')).toBe('not a date')
  })
})
