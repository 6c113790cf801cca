import { describe, expect, it } from 'vitest'
import { BOM, csvCell, csvLine, toCsv, type CsvColumn } from './csv'

describe('csvCell', () => {
  it('leaves plain values alone', () => {
    expect(csvCell('海澄县财政局')).toBe('海澄县财政局')
    expect(csvCell('1234.50')).toBe('1234.50')
    expect(csvCell('-1234.50')).toBe('-1234.50')
    expect(csvCell(42)).toBe('42')
    expect(csvCell(null)).toBe('')
    expect(csvCell(undefined)).toBe('')
  })

  it('quotes commas, quotes, line breaks and edge spaces, doubling quotes', () => {
    expect(csvCell('a,b')).toBe('"a,b"')
    expect(csvCell('他说"已付"')).toBe('"他说""已付"""')
    expect(csvCell('第一行\n第二行')).toBe('"第一行\n第二行"')
    expect(csvCell('a\r\nb')).toBe('"a\r\nb"')
    expect(csvCell(' 前导空格')).toBe('" 前导空格"')
  })

  it('defuses spreadsheet formulas', () => {
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`)
    expect(csvCell('+86 123')).toBe("'+86 123")
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)")
    expect(csvCell('-cmd')).toBe("'-cmd")
    expect(csvCell('-.5')).toBe('-.5')
  })
})

describe('toCsv', () => {
  type Row = { no: string; name: string; amount: string }
  const columns: CsvColumn<Row>[] = [
    { header: '台账编号', value: (r) => r.no },
    { header: '拖欠主体', value: (r) => r.name },
    { header: '未清偿金额（元）', value: (r) => r.amount },
  ]

  it('starts with a BOM, then the watermark line, then the header; CRLF line ends', () => {
    const csv = toCsv(
      [
        { no: '990121-2026-000001', name: '海澄县财政局', amount: '50000.00' },
        { no: '990121-2026-000002', name: '某公司, 分公司', amount: '0.00' },
      ],
      columns,
      '导出：林晓岚 office01 2026-11-25 15:00',
    )
    expect(csv.startsWith(BOM)).toBe(true)
    expect(csv.charCodeAt(0)).toBe(0xfeff)
    const lines = csv.slice(1).split('\r\n')
    expect(lines).toEqual([
      '导出：林晓岚 office01 2026-11-25 15:00',
      '台账编号,拖欠主体,未清偿金额（元）',
      '990121-2026-000001,海澄县财政局,50000.00',
      '990121-2026-000002,"某公司, 分公司",0.00',
      '',
    ])
  })

  it('quotes a watermark that needs it and writes the header even without rows', () => {
    const csv = toCsv([], columns, '导出人：张三, zhang')
    expect(csv).toBe(`${BOM}"导出人：张三, zhang"\r\n台账编号,拖欠主体,未清偿金额（元）\r\n`)
    expect(csvLine(['a', null, 'b'])).toBe('a,,b')
  })

  it('encodes to UTF-8 with the BOM bytes EF BB BF', () => {
    const bytes = new TextEncoder().encode(toCsv([], columns, 'x'))
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
  })
})
