import { describe, expect, it } from 'vitest'
import { addMoney, compareMoney, fromFen, groupMoney, parseMoney, subtractMoney, toFen } from './money'

describe('parseMoney', () => {
  it.each([
    ['1234', '1234.00'],
    ['1234.5', '1234.50'],
    ['1234.56', '1234.56'],
    ['1,234,567.8', '1234567.80'],
    ['¥1,234.50', '1234.50'],
    ['￥ 50000', '50000.00'],
    ['50000元', '50000.00'],
    ['  0012.30  ', '12.30'],
    ['.5', '0.50'],
    ['7.', '7.00'],
    ['０１２．３', '12.30'],
    ['0', '0.00'],
    ['9999999999999999.99', '9999999999999999.99'],
  ])('%j → %j', (input, expected) => {
    expect(parseMoney(input)).toEqual({ ok: true, value: expected })
  })

  it.each([
    ['', 'empty'],
    ['   ', 'empty'],
    [null, 'empty'],
    ['abc', 'format'],
    ['1.2.3', 'format'],
    ['1e5', 'format'],
    ['12,34', 'format'],
    ['1,2345', 'format'],
    ['.', 'format'],
    ['1.234', 'decimals'],
    ['0.001', 'decimals'],
    ['-5', 'negative'],
    ['12345678901234567', 'tooLarge'],
  ])('%j is refused (%s)', (input, error) => {
    expect(parseMoney(input as string | null)).toEqual({ ok: false, error })
  })

  it('keeps negatives when allowed and refuses zero when asked', () => {
    expect(parseMoney('-1,000.5', { allowNegative: true })).toEqual({ ok: true, value: '-1000.50' })
    expect(parseMoney('-0', { allowNegative: false })).toEqual({ ok: true, value: '0.00' })
    expect(parseMoney('0.00', { allowZero: false })).toEqual({ ok: false, error: 'zero' })
  })

  it('never goes through a float', () => {
    // 0.1 + 0.2 style traps and values beyond double precision stay exact.
    expect(parseMoney('9007199254740993.01')).toEqual({ ok: true, value: '9007199254740993.01' })
    expect(addMoney('0.10', '0.20')).toBe('0.30')
  })
})

describe('groupMoney', () => {
  it('puts thousands separators into the integer part only', () => {
    expect(groupMoney('1234567.50')).toBe('1,234,567.50')
    expect(groupMoney('-1000.00')).toBe('-1,000.00')
    expect(groupMoney('999.00')).toBe('999.00')
    expect(groupMoney('abc')).toBe('abc')
  })
})

describe('fen arithmetic', () => {
  it('converts both ways', () => {
    expect(toFen('1234.5')).toBe(123450n)
    expect(toFen('-0.05')).toBe(-5n)
    expect(fromFen(123450n)).toBe('1234.50')
    expect(fromFen(-5n)).toBe('-0.05')
    expect(fromFen(0n)).toBe('0.00')
    expect(() => toFen('1.234')).toThrow(RangeError)
  })

  it('adds, subtracts and compares', () => {
    expect(addMoney('30000.00', '20000.00', '0.01')).toBe('50000.01')
    expect(subtractMoney('50000.00', '50000.00')).toBe('0.00')
    expect(subtractMoney('1.00', '2.50')).toBe('-1.50')
    expect(compareMoney('10.00', '9.99')).toBe(1)
    expect(compareMoney('10', '10.00')).toBe(0)
    expect(compareMoney('-1', '0')).toBe(-1)
  })
})
