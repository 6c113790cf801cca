import { describe, expect, it } from 'vitest'
import { formatDateTimeShort } from './format'
import { repaymentDecisionLine } from './repaymentDecision'

const at = '2026-11-02T02:30:00Z'

describe('repaymentDecisionLine', () => {
  // Issue 15: a returned repayment was labelled 核实时间 and did not say who returned it.
  it('says 退回时间 and who returned a returned repayment', () => {
    expect(repaymentDecisionLine({ status: 'rejected', verified_at: at, verified_by_name: '王办公室' })).toBe(
      `退回时间 ${formatDateTimeShort(at)} · 王办公室`,
    )
  })

  it('says 核实时间 and who verified a verified one', () => {
    expect(repaymentDecisionLine({ status: 'verified', verified_at: at, verified_by_name: '王办公室' })).toBe(
      `核实时间 ${formatDateTimeShort(at)} · 王办公室`,
    )
  })

  it('says nothing before a decision', () => {
    expect(repaymentDecisionLine({ status: 'reported', verified_at: null, verified_by_name: null })).toBe('')
  })
})
