// Chinese labels and tag colours of the ledger's codes (statuses, types, methods…), from zh-CN,
// and the lists of each enumeration's values. Unknown codes are shown as they are.
import zhCN from '@/locales/zh-CN'
import { codesOf, labelOf } from '@/utils/enumLabels'
import { formatDate, formatMoney } from '@/utils/format'

type TagType = 'primary' | 'success' | 'warning' | 'danger' | 'info'

const L = zhCN.ledger

// The values of each enumeration, in the order of their labels (see utils/enumLabels.ts).
export const ITEM_STATUSES = codesOf(L.statuses)
export const DEBTOR_TYPES = codesOf(L.debtorTypes)
export const CREDITOR_SIZES = codesOf(L.creditorSizes)
export const PROCUREMENT_TYPES = codesOf(L.procurementTypes)
export const DISPUTE_ROUTES = codesOf(L.disputeRoutes)
export const FUNDING_SOURCES = codesOf(L.fundingSources)
export const REPAYMENT_METHODS = codesOf(L.repaymentMethods)
export const REPAYMENT_STATUSES = codesOf(L.repaymentStatuses)
export const EVIDENCE_PURPOSES = codesOf(L.evidencePurposes)
export const FLAG_KINDS = codesOf(L.flagKinds)

type Code = string | null | undefined
export const statusLabel = (code: Code) => labelOf(L.statuses, code)
export const debtorTypeLabel = (code: Code) => labelOf(L.debtorTypes, code)
export const creditorSizeLabel = (code: Code) => labelOf(L.creditorSizes, code)
export const procurementLabel = (code: Code) => labelOf(L.procurementTypes, code)
export const disputeRouteLabel = (code: Code) => labelOf(L.disputeRoutes, code)
export const fundingSourceLabel = (code: Code) => labelOf(L.fundingSources, code)
export const repaymentMethodLabel = (code: Code) => labelOf(L.repaymentMethods, code)
export const repaymentStatusLabel = (code: Code) => labelOf(L.repaymentStatuses, code)
export const evidencePurposeLabel = (code: Code) => labelOf(L.evidencePurposes, code)
export const flagKindLabel = (code: Code) => labelOf(L.flagKinds, code)
export const flagKindShortLabel = (code: Code) => labelOf(L.flagKindsShort, code)
export const installmentStateLabel = (code: Code) => labelOf(L.installmentStates, code)
export const candidateStatusLabel = (code: Code) => labelOf(L.candidateStatuses, code)
export const reclassificationStatusLabel = (code: Code) => labelOf(L.reclassificationStatuses, code)
export const sourceLabel = (code: Code) => labelOf(L.sources, code)

export function statusTagType(status: string): TagType {
  switch (status) {
    case 'open':
      return 'danger'
    case 'resolving':
      return 'warning'
    case 'claimed_cleared':
      return 'primary'
    case 'written_off':
      return 'success'
    default:
      return 'info'
  }
}

export function repaymentStatusTagType(status: string): TagType {
  return status === 'verified' ? 'success' : status === 'rejected' ? 'info' : 'warning'
}

export function installmentStateTagType(state: string): TagType {
  return state === 'paid' ? 'success' : state === 'overdue' ? 'danger' : 'info'
}

/** Money that may be missing: '' for null/undefined, the value itself if it is not a decimal. */
export function money(value: string | null | undefined): string {
  if (value === null || value === undefined || value === '') return ''
  try {
    return formatMoney(value)
  } catch {
    return value
  }
}

/** A date that may be missing, as 2024年1月16日. */
export function date(value: string | null | undefined): string {
  if (!value) return ''
  try {
    return formatDate(value)
  } catch {
    return value
  }
}

/** '1.2 MB' */
export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`
}
