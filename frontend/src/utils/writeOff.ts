// A refused write-off (409 write_off_refused) → one line per reason, in Chinese.
//
// The problem carries every failing condition in `reasons` (code, Chinese detail with the amount
// as ¥1,234.00, amount, repayment_id); without them, the one-line `detail` is split at '；'.
import type { Problem } from '@/api/problems'
import type { WriteOffReason } from '@/api/ledger'
import zhCN from '@/locales/zh-CN'

export interface WriteOffReasonLine {
  code: string
  /** Short Chinese name of the reason (e.g. 还款待核实). */
  label: string
  /** What exactly stands in the way (e.g. 2026-11-01 的还款 ¥1,000.00 尚待核实). */
  text: string
  repaymentId: string | null
}

const LABELS: Record<string, string> = zhCN.ledger.writeOffReasons

function isReason(value: unknown): value is WriteOffReason {
  return typeof value === 'object' && value !== null && typeof (value as { code?: unknown }).code === 'string'
}

/** The reasons of a refusal, in the order the server gave them. */
export function writeOffReasonLines(problem: Problem | null | undefined): WriteOffReasonLine[] {
  if (!problem) return []
  const reasons = (problem as Problem & { reasons?: unknown }).reasons
  if (Array.isArray(reasons) && reasons.length > 0) {
    return reasons.filter(isReason).map((r) => ({
      code: r.code,
      label: LABELS[r.code] ?? zhCN.ledger.writeOffReasons.other,
      text: r.detail || (LABELS[r.code] ?? r.code),
      repaymentId: r.repayment_id ?? null,
    }))
  }
  return (problem.detail ?? '')
    .split('；')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((text) => ({ code: 'other', label: zhCN.ledger.writeOffReasons.other, text, repaymentId: null }))
}

/** Whether fixing the refusal means going to the item's repayments (verify, or add evidence). */
export function refusalConcernsRepayments(lines: readonly WriteOffReasonLine[]): boolean {
  return lines.some((l) => l.repaymentId !== null)
}
