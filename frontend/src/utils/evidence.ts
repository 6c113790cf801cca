// What the evidence upload accepts, checked in the browser before sending. The server sniffs
// the content itself and has the last word (415 file_type_rejected, 413 file_too_large).

export const MAX_EVIDENCE_BYTES = 20 * 1024 * 1024

export const EVIDENCE_EXTENSIONS = ['pdf', 'jpg', 'jpeg', 'png', 'ofd', 'xlsx', 'docx'] as const

/** For the file chooser's `accept`. */
export const EVIDENCE_ACCEPT = EVIDENCE_EXTENSIONS.map((e) => `.${e}`).join(',')

export type EvidenceCheck = 'ok' | 'badType' | 'tooLarge' | 'emptyFile'

export function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.')
  return dot < 0 ? '' : name.slice(dot + 1).toLowerCase()
}

/** By name and size only: a renamed file gets through here and is refused by the server. */
export function checkEvidenceFile(file: { name: string; size: number }): EvidenceCheck {
  if (!(EVIDENCE_EXTENSIONS as readonly string[]).includes(extensionOf(file.name))) return 'badType'
  if (file.size === 0) return 'emptyFile'
  if (file.size > MAX_EVIDENCE_BYTES) return 'tooLarge'
  return 'ok'
}

/** PDF and images are shown in the page; the rest are downloaded. */
export function previewKind(mediaType: string, filename = ''): 'pdf' | 'image' | null {
  const type = mediaType.toLowerCase()
  const ext = extensionOf(filename)
  if (type === 'application/pdf' || (type === 'application/octet-stream' && ext === 'pdf')) return 'pdf'
  if (type === 'image/jpeg' || type === 'image/png') return 'image'
  return null
}
