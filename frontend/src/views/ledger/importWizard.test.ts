import { describe, expect, it } from 'vitest'
import type { ImportJob, PreviewRow } from '@/api/transfer'
import { cellsOf, errorLine, progressOf, stepOf } from './importWizard'

function job(over: Partial<ImportJob>): ImportJob {
  return {
    id: 'j', filename: 'a.xlsx', size: 1, status: 'queued', mode: 'all_or_nothing', owner_name: '张三',
    rows_total: 0, rows_read: 0, rows_validated: 0, rows_written: 0, created_at: '', updated_at: '', ...over,
  } as ImportJob
}

describe('import wizard', () => {
  it('puts a job at its step', () => {
    expect(stepOf(null)).toBe(0)
    expect(stepOf(job({ status: 'validating' }))).toBe(1)
    expect(stepOf(job({ status: 'invalid' }))).toBe(1)
    expect(stepOf(job({ status: 'writing' }))).toBe(2)
    expect(stepOf(job({ status: 'done' }))).toBe(3)
  })

  it('measures progress by phase', () => {
    expect(progressOf(job({ status: 'validating', rows_total: 200, rows_read: 200, rows_validated: 100 }))).toBe(65)
    expect(progressOf(job({ status: 'writing', rows_total: 200, rows_written: 50 }))).toBe(25)
    expect(progressOf(job({ status: 'validated', rows_total: 200 }))).toBe(100)
  })

  it('highlights exactly the cells an error names, errors first', () => {
    const row = {
      sheet: '台账', row: 5, action: 'refused',
      cells: { 拖欠主体名称: '某局', 拖欠主体类型: '区政府' },
      errors: [{ column: 'D', header: '拖欠主体类型', field: 'debtor_type', message: '不在可选范围内' }],
    } as PreviewRow
    expect(cellsOf(row)).toEqual([
      { header: '拖欠主体类型', value: '区政府', error: '不在可选范围内' },
      { header: '拖欠主体名称', value: '某局', error: null },
    ])
    expect(errorLine(row.errors![0]!)).toBe('D列 拖欠主体类型：不在可选范围内')
  })
})
