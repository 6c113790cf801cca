// The item form (欠款明细) shared by 新增明细 and the item page's 基本信息: its model, which fields
// each mode shows (the server's field errors are mapped onto exactly these), the validation rules,
// and what is sent (the whole item when creating, only what changed when editing).
import type { FormItemRule } from 'element-plus'
import type { DisputeRoute, FundingLineDraft, ItemDetail, ItemIn, ItemPatch, ProcurementType } from '@/api/ledger'
import { i18n } from '@/locales'
import { moneyRule, requiredRule } from '@/utils/formRules'
import { firstBadAmount, parseMoney } from '@/utils/money'

export type ItemFormMode = 'create' | 'edit'

/** The fields an item can be edited in after it was entered (ItemPatch). */
export const EDIT_FIELDS = [
  'contract_name',
  'delivery_date',
  'acceptance_date',
  'due_date',
  'responsible_person_id',
  'dispute_route',
  'court_case_no',
  'resolution_measures',
  'planned_clearance_date',
  'funding_lines',
] as const

/** Every field of a new item (ItemIn). */
export const CREATE_FIELDS = [
  'debtor_id',
  'creditor_id',
  'contract_name',
  'procurement_type',
  'principal',
  'delivery_date',
  'acceptance_date',
  'due_date',
  'agreed_daily_rate',
  'responsible_unit_id',
  'responsible_person_id',
  'disputed',
  'dispute_route',
  'court_case_no',
  'resolution_measures',
  'planned_clearance_date',
  'funding_lines',
] as const

export type ItemFormField = (typeof CREATE_FIELDS)[number]
export type ItemFormErrors = Partial<Record<ItemFormField, string>>

export interface ItemFormModel {
  debtor_id: string
  creditor_id: string
  contract_name: string
  procurement_type: ProcurementType | ''
  principal: string
  delivery_date: string | null
  acceptance_date: string | null
  due_date: string | null
  agreed_daily_rate: string
  responsible_unit_id: string | null | undefined
  responsible_person_id: string | null | undefined
  disputed: boolean
  dispute_route: DisputeRoute | null
  court_case_no: string
  resolution_measures: string
  planned_clearance_date: string | null
  funding_lines: FundingLineDraft[]
}

/** A new item: the caller's unit and the caller as responsible person. */
export function blankItemForm(me: { id: string; unit_id: string | null } | null | undefined): ItemFormModel {
  return {
    debtor_id: '',
    creditor_id: '',
    contract_name: '',
    procurement_type: '',
    principal: '',
    delivery_date: null,
    acceptance_date: null,
    due_date: null,
    agreed_daily_rate: '',
    responsible_unit_id: me?.unit_id ?? '',
    responsible_person_id: me?.id ?? null,
    disputed: false,
    dispute_route: null,
    court_case_no: '',
    resolution_measures: '',
    planned_clearance_date: null,
    funding_lines: [],
  }
}

function linesOf(item: ItemDetail): FundingLineDraft[] {
  return (item.funding_lines ?? []).map((l) => ({
    source: l.source,
    amount: l.amount,
    expected_arrival_date: l.expected_arrival_date ?? null,
  }))
}

/** The form of an entered item (the read-only parts filled in too, for display). */
export function itemFormOf(item: ItemDetail): ItemFormModel {
  return {
    debtor_id: item.debtor_id,
    creditor_id: item.creditor_id,
    contract_name: item.contract_name,
    procurement_type: item.procurement_type as ProcurementType,
    principal: item.principal,
    delivery_date: item.delivery_date,
    acceptance_date: item.acceptance_date,
    due_date: item.due_date,
    agreed_daily_rate: item.agreed_daily_rate ?? '',
    responsible_unit_id: item.responsible_unit_id,
    responsible_person_id: item.responsible_person_id,
    disputed: item.disputed,
    dispute_route: (item.dispute_route ?? null) as DisputeRoute | null,
    court_case_no: item.court_case_no ?? '',
    resolution_measures: item.resolution_measures ?? '',
    planned_clearance_date: item.planned_clearance_date,
    funding_lines: linesOf(item),
  }
}

const text = (v: string) => v.trim() || null

function canonicalLines(lines: readonly FundingLineDraft[]) {
  return lines.map((l) => {
    const p = parseMoney(l.amount)
    return { source: l.source, amount: p.ok ? p.value : l.amount, expected_arrival_date: l.expected_arrival_date ?? null }
  })
}

/** The body of POST /items (call after validation: the principal is a valid amount). */
export function itemCreateBody(m: ItemFormModel): ItemIn {
  const principal = parseMoney(m.principal, { allowZero: false })
  return {
    debtor_id: m.debtor_id,
    creditor_id: m.creditor_id,
    contract_name: m.contract_name.trim(),
    procurement_type: m.procurement_type as ProcurementType,
    principal: principal.ok ? principal.value : m.principal.trim(),
    delivery_date: m.delivery_date,
    acceptance_date: m.acceptance_date,
    due_date: m.due_date,
    agreed_daily_rate: text(m.agreed_daily_rate),
    responsible_unit_id: m.responsible_unit_id ?? '',
    responsible_person_id: m.responsible_person_id || null,
    disputed: m.disputed,
    dispute_route: m.disputed ? m.dispute_route : null,
    court_case_no: m.disputed ? text(m.court_case_no) : null,
    resolution_measures: text(m.resolution_measures),
    planned_clearance_date: m.planned_clearance_date,
    funding_lines: canonicalLines(m.funding_lines),
  }
}

/** The body of PATCH /items/{id}: only what differs from the item as read. */
export function itemPatch(m: ItemFormModel, item: ItemDetail): ItemPatch {
  const patch: ItemPatch = {}
  if (m.contract_name.trim() !== item.contract_name) patch.contract_name = m.contract_name.trim()
  if (m.delivery_date !== item.delivery_date) patch.delivery_date = m.delivery_date
  if (m.acceptance_date !== item.acceptance_date) patch.acceptance_date = m.acceptance_date
  if (m.due_date !== item.due_date) patch.due_date = m.due_date
  if ((m.responsible_person_id || null) !== item.responsible_person_id) patch.responsible_person_id = m.responsible_person_id || null
  if (item.disputed && m.dispute_route !== item.dispute_route) patch.dispute_route = m.dispute_route
  if (item.disputed && text(m.court_case_no) !== item.court_case_no) patch.court_case_no = text(m.court_case_no)
  if (text(m.resolution_measures) !== item.resolution_measures) patch.resolution_measures = text(m.resolution_measures)
  if (m.planned_clearance_date !== item.planned_clearance_date) patch.planned_clearance_date = m.planned_clearance_date
  const lines = canonicalLines(m.funding_lines)
  if (JSON.stringify(lines) !== JSON.stringify(canonicalLines(linesOf(item)))) patch.funding_lines = lines
  return patch
}

function fundingLinesRule(): FormItemRule {
  return {
    trigger: 'change',
    validator: (_r, lines: FundingLineDraft[], cb) =>
      cb(firstBadAmount(lines ?? []) >= 0 ? new Error(i18n.global.t('money.errors.format')) : undefined),
  }
}

/** The client-side checks (the server checks again; its messages land on the same fields). */
export function itemFormRules(mode: ItemFormMode): Partial<Record<ItemFormField, FormItemRule[]>> {
  const common = {
    contract_name: [requiredRule('ledger.form.contractRequired')],
    funding_lines: [fundingLinesRule()],
  }
  if (mode === 'edit') return common
  return {
    ...common,
    debtor_id: [requiredRule('ledger.form.debtorRequired', 'change')],
    creditor_id: [requiredRule('ledger.form.creditorRequired', 'change')],
    procurement_type: [requiredRule('ledger.form.procurementRequired', 'change')],
    principal: [moneyRule()],
    responsible_unit_id: [requiredRule('ledger.form.unitRequired', 'change')],
  }
}
