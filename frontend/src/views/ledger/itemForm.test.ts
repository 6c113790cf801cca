import { describe, expect, it } from 'vitest'
import type { ItemDetail } from '@/api/ledger'
import { mapFieldErrors } from '@/api/problems'
import { blankItemForm, CREATE_FIELDS, EDIT_FIELDS, itemCreateBody, itemFormOf, itemFormRules, itemPatch } from './itemForm'

function detail(over: Partial<ItemDetail> = {}): ItemDetail {
  return {
    id: 'i1',
    ledger_no: '990121-2026-000001',
    region_path: '/99/',
    debtor_id: 'd',
    creditor_id: 'c',
    contract_name: '道路维修合同',
    procurement_type: 'works',
    principal: '50000.00',
    verified_repaid: '0.00',
    adjustments_total: '0.00',
    outstanding: '50000.00',
    delivery_date: '2026-01-10',
    acceptance_date: null,
    due_date: '2026-02-10',
    agreed_daily_rate: null,
    responsible_unit_id: 'u1',
    responsible_person_id: 'p1',
    disputed: true,
    dispute_route: 'litigation',
    court_case_no: '（2026）闽0121民初1号',
    resolution_measures: null,
    planned_clearance_date: null,
    status: 'open',
    void_reason: null,
    source: 'manual',
    written_off_at: null,
    created_at: '2026-11-01T00:00:00Z',
    updated_at: '2026-11-01T00:00:00Z',
    version: 3,
    active_flags: [],
    key_case: false,
    funding_lines: [{ id: 'f1', source: 'budget', amount: '20000.00', expected_arrival_date: '2026-12-01' }],
    ...over,
  } as ItemDetail
}

describe('the item form', () => {
  it('starts a new item in the caller unit with the caller responsible', () => {
    const m = blankItemForm({ id: 'me', unit_id: 'u9' })
    expect(m).toMatchObject({ responsible_unit_id: 'u9', responsible_person_id: 'me', disputed: false, funding_lines: [] })
  })

  it('sends a new item trimmed, amounts canonical, no dispute details on an undisputed item', () => {
    const m = blankItemForm({ id: 'me', unit_id: 'u9' })
    Object.assign(m, {
      debtor_id: 'd',
      creditor_id: 'c',
      contract_name: '  合同  ',
      procurement_type: 'goods',
      principal: '1,234.5',
      court_case_no: '（2026）1号',
      dispute_route: 'mediation',
      agreed_daily_rate: ' ',
      funding_lines: [{ source: 'budget', amount: '100', expected_arrival_date: null }],
    })
    const body = itemCreateBody(m)
    expect(body).toMatchObject({
      contract_name: '合同',
      principal: '1234.50',
      agreed_daily_rate: null,
      dispute_route: null,
      court_case_no: null,
      funding_lines: [{ source: 'budget', amount: '100.00', expected_arrival_date: null }],
    })
  })

  it('patches only what changed', () => {
    const item = detail()
    const m = itemFormOf(item)
    expect(itemPatch(m, item)).toEqual({})
    m.contract_name = '道路维修合同（补充）'
    m.court_case_no = ' '
    m.funding_lines = [{ source: 'budget', amount: '20000', expected_arrival_date: '2026-12-01' }]
    expect(itemPatch(m, item)).toEqual({ contract_name: '道路维修合同（补充）', court_case_no: null })
    m.responsible_person_id = ''
    expect(itemPatch(m, item)).toMatchObject({ responsible_person_id: null })
  })

  it('never patches dispute details of an undisputed item', () => {
    const item = detail({ disputed: false, dispute_route: null, court_case_no: null })
    const m = itemFormOf(item)
    m.dispute_route = 'mediation'
    m.court_case_no = 'x'
    expect(itemPatch(m, item)).toEqual({})
  })

  it('checks more when creating than when editing', () => {
    expect(Object.keys(itemFormRules('edit')).sort()).toEqual(['contract_name', 'funding_lines'])
    expect(Object.keys(itemFormRules('create'))).toEqual(
      expect.arrayContaining(['debtor_id', 'creditor_id', 'procurement_type', 'principal', 'responsible_unit_id']),
    )
  })
})

describe("the server's field errors land on the form's fields", () => {
  const problem = {
    title: '提交的数据有误',
    status: 422,
    errors: [
      { field: 'body.principal', message: '金额应大于零' },
      { field: 'body.funding_lines.0.amount', message: '金额格式不正确' },
      { field: 'due_date', message: '付款期限不能早于交付日期' },
      { field: 'body.responsible_person_id', message: '责任人不属于责任单位' },
    ],
  }

  it('when creating', () => {
    const { fields, unmatched } = mapFieldErrors(problem, CREATE_FIELDS)
    expect(fields).toEqual({
      principal: '金额应大于零',
      funding_lines: '金额格式不正确',
      due_date: '付款期限不能早于交付日期',
      responsible_person_id: '责任人不属于责任单位',
    })
    expect(unmatched).toEqual([])
  })

  it('when editing (the principal is not a field there any more)', () => {
    const { fields, unmatched } = mapFieldErrors(problem, EDIT_FIELDS)
    expect(Object.keys(fields).sort()).toEqual(['due_date', 'funding_lines', 'responsible_person_id'])
    expect(unmatched.map((e) => e.field)).toEqual(['body.principal'])
  })

  it('every edit field is a create field (one component shows both)', () => {
    for (const f of EDIT_FIELDS) expect(CREATE_FIELDS).toContain(f)
  })
})
