import { describe, expect, it } from 'vitest'
import { characterClasses, checkPassword, meetsPolicy } from './password'

describe('password policy (mirrors the backend)', () => {
  it('counts character classes', () => {
    expect(characterClasses('abc')).toBe(1)
    expect(characterClasses('abcDEF12')).toBe(3)
    expect(characterClasses('aB1-')).toBe(4)
    expect(characterClasses('a b')).toBe(2)
  })

  it('accepts 8+ characters of 3 classes', () => {
    expect(meetsPolicy('Haicheng2024')).toBe(true)
    expect(meetsPolicy('haicheng-2024')).toBe(true)
    expect(meetsPolicy('NYFNzbt-PUIus5t')).toBe(true)
  })

  it('refuses short, two-class, username-containing and unchanged passwords', () => {
    expect(checkPassword('Ab1-')).toMatchObject({ length: false, classes: true })
    expect(checkPassword('haicheng2024')).toMatchObject({ length: true, classes: false })
    expect(checkPassword('Office01-pass', { username: 'OFFICE01' }).username).toBe(false)
    expect(checkPassword('Same-Pass-1', { oldPassword: 'Same-Pass-1' }).different).toBe(false)
    expect(meetsPolicy('Office01-pass', { username: 'office01' })).toBe(false)
  })
})
