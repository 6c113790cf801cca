// ItemFormFields rendered (server-side, no browser needed): the server's field errors show under
// their own fields, in both modes.
import { describe, expect, it, vi } from 'vitest'
import { createSSRApp, h, reactive } from 'vue'
import { renderToString } from 'vue/server-renderer'
import { createPinia } from 'pinia'
import { ID_INJECTION_KEY, ZINDEX_INJECTION_KEY } from 'element-plus'
import { i18n } from '@/locales'
import { mapFieldErrors } from '@/api/problems'
import ItemFormFields from './ItemFormFields.vue'
import { blankItemForm, CREATE_FIELDS, EDIT_FIELDS, type ItemFormErrors, type ItemFormModel } from './itemForm'

vi.mock('@/stores/people', () => ({
  usePeopleStore: () => ({ loadUnit: () => Promise.resolve([]), byUnit: {}, name: () => '' }),
}))

async function render(
  mode: 'create' | 'edit',
  errors: ItemFormErrors,
  disputed = false,
  fundingLines: ItemFormModel['funding_lines'] = [],
): Promise<string> {
  const model = reactive({ ...blankItemForm({ id: 'me', unit_id: 'u1' }), disputed, funding_lines: fundingLines })
  const app = createSSRApp({ render: () => h(ItemFormFields, { model, mode, errors }) })
  app.use(createPinia()).use(i18n)
  app.provide(ID_INJECTION_KEY, { prefix: 1, current: 0 })
  app.provide(ZINDEX_INJECTION_KEY, { current: 0 })
  return renderToString(app)
}

/** The el-form-item whose label is `label` (its opening tag carries the error state). */
function itemOf(html: string, label: string): string {
  const at = html.indexOf(`>${label}<`)
  expect(at, `no field ${label}`).toBeGreaterThan(-1)
  const start = html.lastIndexOf('class="el-form-item ', at)
  return html.slice(start, html.indexOf('>', start))
}

const hasError = (html: string, label: string) => itemOf(html, label).includes('is-error')

describe('ItemFormFields', () => {
  const problem = {
    title: '提交的数据有误',
    errors: [
      { field: 'body.principal', message: '欠款金额应大于零' },
      { field: 'body.funding_lines.1.amount', message: '资金金额格式不正确' },
      { field: 'body.due_date', message: '付款期限不能早于交付日期' },
    ],
  }

  // Element Plus renders the message itself only in the browser (a transition); the error state
  // of each form item is rendered here.
  it('puts each server error on its own field when creating', async () => {
    const html = await render('create', mapFieldErrors(problem, CREATE_FIELDS).fields)
    expect(hasError(html, '欠款金额')).toBe(true)
    expect(hasError(html, '付款期限')).toBe(true)
    expect(hasError(html, '偿还资金来源')).toBe(true)
    expect(hasError(html, '交付日期')).toBe(false)
    expect(hasError(html, '拖欠主体')).toBe(false)
    expect(hasError(html, '合同 / 项目名称')).toBe(false)
  })

  it('shows only the editable fields, errors on them, when editing', async () => {
    const html = await render('edit', mapFieldErrors(problem, EDIT_FIELDS).fields, true)
    expect(html).not.toContain('>拖欠主体<')
    expect(html).not.toContain('>欠款金额<')
    expect(hasError(html, '付款期限')).toBe(true)
    expect(hasError(html, '偿还资金来源')).toBe(true)
    expect(hasError(html, '分歧解决途径')).toBe(false)
  })

  it('shows no error without one', async () => {
    expect(await render('create', {})).not.toContain('is-error')
  })

  // Issue 15: 欠款金额 is required, so its label carries the asterisk like the other required fields.
  it('marks 欠款金额 as required', async () => {
    const html = await render('create', {})
    expect(itemOf(html, '欠款金额')).toContain('is-required')
    expect(itemOf(html, '合同 / 项目名称')).toContain('is-required')
  })

  // Issue 15: a funding line just added (amount not typed yet) is not shown as a mistake; a bad amount is.
  it('does not mark an untouched funding line red', async () => {
    const untouched = await render('create', {}, false, [{ source: 'budget', amount: '', expected_arrival_date: null }])
    expect(untouched).toMatch(/class="line"/)
    expect(untouched).not.toMatch(/class="bad line"/)
    const wrong = await render('create', {}, false, [{ source: 'budget', amount: '12.345', expected_arrival_date: null }])
    expect(wrong).toMatch(/class="bad line"/)
  }, 20_000) // two server renders: slow on a loaded machine
})
