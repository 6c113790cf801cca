// 基本信息 of a written-off (or void) item, rendered server-side: what can no longer be used is not
// shown (issue 15: the locked edit form and the 分歧认定申请 request were still there), and the
// notice reads "明细已销账，不能修改" (it said "明细已已销账").
import { describe, expect, it, vi } from 'vitest'
import { createSSRApp, h } from 'vue'
import { renderToString } from 'vue/server-renderer'
import { createPinia } from 'pinia'
import { ID_INJECTION_KEY, ZINDEX_INJECTION_KEY } from 'element-plus'
import { i18n } from '@/locales'
import type { ItemDetail } from '@/api/ledger'
import BasicTab from './BasicTab.vue'

vi.mock('@/stores/people', () => ({
  usePeopleStore: () => ({ loadUnit: () => Promise.resolve([]), byUnit: {}, name: () => '' }),
}))
vi.mock('@/composables/usePermission', () => ({
  usePermission: () => ({ can: () => true, canAll: () => true }),
}))

function itemWith(status: ItemDetail['status']): ItemDetail {
  return {
    id: 'i1', ledger_no: '440825-2026-0001', region_path: '/44/4408/440825/', status, version: 3,
    debtor_id: 'd1', debtor_name: '某局', creditor_id: 'c1', creditor_name: '某公司',
    contract_name: '办公楼维修', procurement_type: 'engineering', principal: '1000.00',
    verified_repaid: '1000.00', adjustments_total: '0.00', outstanding: '0.00',
    delivery_date: null, acceptance_date: null, due_date: '2026-01-01', agreed_daily_rate: null,
    responsible_unit_id: 'u1', responsible_person_id: null, disputed: false, dispute_route: null,
    court_case_no: null, resolution_measures: null, planned_clearance_date: null, funding_lines: [],
    source: 'manual', created_at: '2026-01-01T00:00:00Z', updated_at: '2026-02-01T00:00:00Z',
  } as unknown as ItemDetail
}

async function render(status: ItemDetail['status']): Promise<string> {
  const app = createSSRApp({ render: () => h(BasicTab, { item: itemWith(status) }) })
  app.use(createPinia()).use(i18n)
  app.provide(ID_INJECTION_KEY, { prefix: 1, current: 0 })
  app.provide(ZINDEX_INJECTION_KEY, { current: 0 })
  return renderToString(app)
}

describe('BasicTab', () => {
  it('shows a written-off item without its edit form or the reclassification request', async () => {
    const html = await render('written_off')
    expect(html).toContain('明细已销账，不能修改')
    expect(html).not.toContain('已已')
    expect(html).not.toContain('data-testid="basic-form"')
    expect(html).not.toContain('分歧认定申请')
    expect(html).not.toContain('data-testid="reclassify-open"')
  })

  it('keeps both on an open item', async () => {
    const html = await render('resolving')
    expect(html).toContain('data-testid="basic-form"')
    expect(html).toContain('分歧认定申请')
    expect(html).toContain('data-testid="reclassify-open"')
    expect(html).not.toContain('不能修改')
  })
})
