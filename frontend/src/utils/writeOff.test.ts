import { describe, expect, it } from 'vitest'
import { refusalConcernsRepayments, writeOffReasonLines } from './writeOff'

describe('write-off refusal reasons', () => {
  it('lists every reason of the problem with its Chinese name', () => {
    const lines = writeOffReasonLines({
      title: '不能销账',
      status: 409,
      code: 'write_off_refused',
      detail: '未清偿金额为 1234.00 元，须为零；尚有 1 笔还款待核实',
      reasons: [
        { code: 'outstanding_not_zero', detail: '尚欠 ¥1,234.00，未清偿金额须为零', amount: '1234.00' },
        { code: 'repayment_unverified', detail: '2026-11-01 的还款 ¥1,000.00 尚待核实', amount: '1000.00', repayment_id: 'r1' },
        { code: 'repayment_without_evidence', detail: '2026-10-01 的已核实还款 ¥5.00 缺少佐证材料', amount: '5.00', repayment_id: 'r2' },
        { code: 'item_void', detail: '明细已作废，不能销账' },
        { code: 'item_written_off', detail: '明细已销账' },
      ],
    } as never)
    expect(lines.map((l) => [l.code, l.label, l.text, l.repaymentId])).toEqual([
      ['outstanding_not_zero', '未清偿金额不为零', '尚欠 ¥1,234.00，未清偿金额须为零', null],
      ['repayment_unverified', '还款待核实', '2026-11-01 的还款 ¥1,000.00 尚待核实', 'r1'],
      ['repayment_without_evidence', '缺少佐证材料', '2026-10-01 的已核实还款 ¥5.00 缺少佐证材料', 'r2'],
      ['item_void', '明细已作废', '明细已作废，不能销账', null],
      ['item_written_off', '明细已销账', '明细已销账', null],
    ])
    expect(refusalConcernsRepayments(lines)).toBe(true)
  })

  it('falls back to the one-line detail, and names unknown codes generically', () => {
    const lines = writeOffReasonLines({ title: '不能销账', detail: '明细已作废；未清偿金额为 10.00 元，须为零' })
    expect(lines.map((l) => l.text)).toEqual(['明细已作废', '未清偿金额为 10.00 元，须为零'])
    expect(refusalConcernsRepayments(lines)).toBe(false)
    const odd = writeOffReasonLines({ title: 'x', reasons: [{ code: 'new_rule', detail: '新的条件' }] } as never)
    expect(odd).toEqual([{ code: 'new_rule', label: '不满足销账条件', text: '新的条件', repaymentId: null }])
    expect(writeOffReasonLines(null)).toEqual([])
  })
})
