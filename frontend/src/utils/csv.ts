// CSV exports that Excel on a Chinese Windows opens correctly: UTF-8 with a byte-order mark,
// CRLF line ends, RFC 4180 quoting. The first line carries the watermark text (who exported,
// when), like every screen of the platform does.

export const BOM = '\uFEFF'

export interface CsvColumn<T> {
  header: string
  value: (row: T) => string | number | boolean | null | undefined
}

/**
 * One cell: quoted when it holds a comma, quote, line break or leading/trailing space (quotes
 * doubled). Text that a spreadsheet would run as a formula (=, +, @, tab, or "-" not starting a
 * number) is prefixed with an apostrophe (CSV injection).
 */
export function csvCell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return ''
  let text = String(value)
  if (/^[=+@\t\r]/.test(text) || /^-(?![\d.])/.test(text)) text = `'${text}`
  if (/[",\r\n]/.test(text) || /^\s|\s$/.test(text)) return `"${text.replace(/"/g, '""')}"`
  return text
}

export function csvLine(cells: readonly (string | number | boolean | null | undefined)[]): string {
  return cells.map(csvCell).join(',')
}

/**
 * The whole file: BOM, the watermark line (one cell), the header, the rows, each ended by CRLF.
 */
export function toCsv<T>(rows: readonly T[], columns: readonly CsvColumn<T>[], watermark: string): string {
  const lines = [csvLine([watermark]), csvLine(columns.map((c) => c.header))]
  for (const row of rows) lines.push(csvLine(columns.map((c) => c.value(row))))
  return `${BOM}${lines.join('\r\n')}\r\n`
}

/** Offers `content` as a file download (browser only). */
export function downloadText(filename: string, content: string, type = 'text/csv;charset=utf-8'): void {
  downloadBlob(filename, new Blob([content], { type }))
}

/** Offers a blob as a file download (browser only). */
export function downloadBlob(filename: string, blob: Blob): void {
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = filename
  a.style.display = 'none'
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}
