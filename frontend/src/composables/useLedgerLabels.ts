// Chinese labels and tag colours of the ledger's codes (statuses, types, methods…), from zh-CN.
// Unknown codes are shown as they are.
import zhCN from '@/locales/zh-CN'
import { formatDate, formatMoney } from '@/utils/format'

type TagType = 'primary' | 'success' | 'warning' | 'danger' | 'info'

const L = zhCN.ledger

function pick(map: Record<string, string>, code: string | null | undefined): string {
  if (!code) return ''
  return map[code] ?? code
}

export const statusLabel = (code: string | null | undefined) => pick(L.statuses, code)
export const debtorTypeLabel = (code: string | null | undefined) => pick(L.debtorTypes, code)
export const creditorSizeLabel = (code: string | null | undefined) => pick(L.creditorSizes, code)
export const procurementLabel = (code: string | null | undefined) => pick(L.procurementTypes, code)
export const disputeRouteLabel = (code: string | null | undefined) => pick(L.disputeRoutes, code)
export const fundingSourceLabel = (code: string | null | undefined) => pick(L.fundingSources, code)
export const repaymentMethodLabel = (code: string | null | undefined) => pick(L.repaymentMethods, code)
export const repaymentStatusLabel = (code: string | null | undefined) => pick(L.repaymentStatuses, code)
export const evidencePurposeLabel = (code: string | null | undefined) => pick(L.evidencePurposes, code)
export const flagKindLabel = (code: string | null | undefined) => pick(L.flagKinds, code)
export const flagKindShortLabel = (code: string | null | undefined) => pick(L.flagKindsShort, code)
export const installmentStateLabel = (code: string | null | undefined) => pick(L.installmentStates, code)
export const candidateStatusLabel = (code: string | null | undefined) => pick(L.candidateStatuses, code)
export const reclassificationStatusLabel = (code: string | null | undefined) => pick(L.reclassificationStatuses, code)
export const sourceLabel = (code: string | null | undefined) => pick(L.sources, code)

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
