// Pure helpers of the import wizard (ImportView.vue): which step a job is at, its progress, and
// the cells of a dry-run row with their errors (so the table highlights exactly those cells).
import type { ImportJob, PreviewRow } from '@/api/transfer'

export type WizardStep = 0 | 1 | 2 | 3

/** 上传 → 校验预览 → 写入 → 完成 */
export function stepOf(job: ImportJob | null): WizardStep {
  if (!job) return 0
  if (job.status === 'queued' || job.status === 'validating') return 1
  if (job.status === 'validated' || job.status === 'invalid') return 1
  if (job.status === 'confirmed' || job.status === 'writing') return 2
  return 3
}

/** Percent of the current phase: reading and validating, then writing. */
export function progressOf(job: ImportJob): number {
  const total = Math.max(job.rows_total, job.rows_read, 1)
  if (job.status === 'confirmed' || job.status === 'writing') return Math.min(100, Math.round((100 * job.rows_written) / total))
  if (job.status === 'queued') return 0
  if (job.status === 'validating') {
    if (!job.rows_total) return job.rows_read ? 30 : 5
    return Math.min(99, 30 + Math.round((70 * job.rows_validated) / job.rows_total))
  }
  return 100
}

export interface CellView {
  header: string
  value: string
  error: string | null
}

function text(value: unknown): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'boolean') return value ? '是' : '否'
  return String(value)
}

/** Every cell the row had, and every column an error names, errors first. */
export function cellsOf(row: PreviewRow): CellView[] {
  const errors = new Map<string, string>()
  for (const e of row.errors ?? []) {
    const key = e.header ?? e.field
    errors.set(key, errors.has(key) ? `${errors.get(key)}；${e.message}` : e.message)
  }
  const cells: CellView[] = []
  const seen = new Set<string>()
  for (const [header, message] of errors) {
    cells.push({ header, value: text(row.cells?.[header]), error: message })
    seen.add(header)
  }
  for (const [header, value] of Object.entries(row.cells ?? {})) {
    if (!seen.has(header)) cells.push({ header, value: text(value), error: null })
  }
  return cells
}

/** “C列 拖欠主体统一社会信用代码：…” for one error. */
export function errorLine(e: { column?: string | null; header?: string | null; field: string; message: string }): string {
  const where = [e.column ? `${e.column}列` : '', e.header ?? e.field].filter(Boolean).join(' ')
  return `${where}：${e.message}`
}
