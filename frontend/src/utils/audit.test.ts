import { describe, expect, it } from 'vitest'
import { auditDiff, auditValue } from './audit'

describe('auditDiff', () => {
  it('lines up before and after and flags changes', () => {
    const rows = auditDiff(
      { username: 'a', roles: ['unit_operator'], active: true, phone: null },
      { username: 'a', roles: ['unit_operator', 'unit_leader'], active: false, phone: null },
    )
    expect(rows).toEqual([
      { field: 'username', before: 'a', after: 'a', changed: false },
      { field: 'roles', before: ['unit_operator'], after: ['unit_operator', 'unit_leader'], changed: true },
      { field: 'active', before: true, after: false, changed: true },
      { field: 'phone', before: null, after: null, changed: false },
    ])
  })

  it('treats a missing snapshot as empty', () => {
    expect(auditDiff(null, { name: 'x' })).toEqual([{ field: 'name', before: undefined, after: 'x', changed: true }])
    expect(auditDiff({ name: 'x' }, undefined)).toEqual([{ field: 'name', before: 'x', after: undefined, changed: true }])
  })
})

describe('auditValue', () => {
  it('renders lists, objects and empties', () => {
    expect(auditValue(['a', 'b'])).toBe('a、b')
    expect(auditValue({ a: 1 })).toBe('{"a":1}')
    expect(auditValue(null)).toBe('')
    expect(auditValue(false)).toBe('false')
  })
})
