import { describe, expect, it } from 'vitest'
import { checkEvidenceFile, MAX_EVIDENCE_BYTES, previewKind } from './evidence'

describe('checkEvidenceFile', () => {
  it('accepts the six kinds up to 20 MB', () => {
    for (const name of ['回单.pdf', 'a.JPG', 'b.jpeg', 'c.png', 'd.ofd', 'e.xlsx', 'f.docx']) {
      expect(checkEvidenceFile({ name, size: 1000 })).toBe('ok')
    }
    expect(checkEvidenceFile({ name: 'big.pdf', size: MAX_EVIDENCE_BYTES })).toBe('ok')
  })

  it('refuses other types, empty files and files over 20 MB', () => {
    expect(checkEvidenceFile({ name: 'x.exe', size: 10 })).toBe('badType')
    expect(checkEvidenceFile({ name: 'x.doc', size: 10 })).toBe('badType')
    expect(checkEvidenceFile({ name: 'noext', size: 10 })).toBe('badType')
    expect(checkEvidenceFile({ name: 'x.pdf', size: 0 })).toBe('emptyFile')
    expect(checkEvidenceFile({ name: 'x.pdf', size: MAX_EVIDENCE_BYTES + 1 })).toBe('tooLarge')
  })

  it('previews PDF and images only', () => {
    expect(previewKind('application/pdf')).toBe('pdf')
    expect(previewKind('image/png')).toBe('image')
    expect(previewKind('image/jpeg')).toBe('image')
    expect(previewKind('application/vnd.openxmlformats-officedocument.wordprocessingml.document')).toBeNull()
    expect(previewKind('application/ofd')).toBeNull()
  })
})
