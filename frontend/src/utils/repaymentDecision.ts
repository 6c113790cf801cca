// The office's decision on a repayment as one line under it: 核实时间 or, for a returned one,
// 退回时间 — with who decided (the name comes with the answer: a unit cannot list the office's people).
import { i18n } from '@/locales'
import type { Repayment } from '@/api/ledger'
import { formatDateTimeShort } from './format'

export function repaymentDecisionLine(r: Pick<Repayment, 'status' | 'verified_at' | 'verified_by_name'>): string {
  if (!r.verified_at) return ''
  const label = i18n.global.t(r.status === 'rejected' ? 'ledger.repayments.returnedAt' : 'ledger.repayments.verifiedAt')
  const by = r.verified_by_name ? ` · ${r.verified_by_name}` : ''
  return `${label} ${formatDateTimeShort(r.verified_at)}${by}`
}
