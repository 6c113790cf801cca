// Excel in and out (ledger-api /transfer): the standard template, import jobs (upload → dry run →
// confirm) and the filtered ledger as .xlsx. Pages never build URLs themselves.
import type { components, operations } from './generated/ledger'
import { ledgerClient } from './clients'
import { unwrap } from './problems'

type Schemas = components['schemas']
export type ImportJob = Schemas['ImportJobOut']
export type ImportStatus = ImportJob['status']
export type ImportMode = Schemas['ImportConfirmIn']['mode']
export type PreviewRow = Schemas['PreviewRow']
export type PreviewPage = Schemas['PreviewPage']
export type CellError = Schemas['CellError']
export type PreviewAction = PreviewRow['action']
export type ExportQuery = NonNullable<operations['transfer_export_items']['parameters']['query']>

/** Statuses after which a job no longer moves by itself. */
export const SETTLED_STATUSES: readonly ImportStatus[] = ['validated', 'invalid', 'done', 'failed']

/** The standard template (.xlsx), with drop-downs for the caller's units. */
export function downloadTemplate(): Promise<Blob> {
  return unwrap(ledgerClient.GET('/api/ledger/transfer/template', { parseAs: 'blob' })) as Promise<Blob>
}

/** The items the list's filters select, as the server's .xlsx (watermarked, audited). */
export function exportItems(query: ExportQuery): Promise<Blob> {
  return unwrap(
    ledgerClient.GET('/api/ledger/transfer/export', { params: { query }, parseAs: 'blob' }),
  ) as Promise<Blob>
}

export function uploadImport(file: File): Promise<ImportJob> {
  const form = new FormData()
  form.append('file', file)
  return unwrap(
    ledgerClient.POST('/api/ledger/transfer/imports', {
      body: form as unknown as Schemas['Body_transfer_upload_import'],
      bodySerializer: (b) => b as unknown as FormData,
    }),
  )
}

export function getImport(jobId: string): Promise<ImportJob> {
  return unwrap(ledgerClient.GET('/api/ledger/transfer/imports/{job_id}', { params: { path: { job_id: jobId } } }))
}

export function importRows(
  jobId: string,
  query: NonNullable<operations['transfer_import_rows']['parameters']['query']> = {},
): Promise<PreviewPage> {
  return unwrap(
    ledgerClient.GET('/api/ledger/transfer/imports/{job_id}/rows', { params: { path: { job_id: jobId }, query } }),
  )
}

export function confirmImport(jobId: string, mode: ImportMode): Promise<ImportJob> {
  return unwrap(
    ledgerClient.POST('/api/ledger/transfer/imports/{job_id}/confirm', {
      params: { path: { job_id: jobId } },
      body: { mode },
    }),
  )
}
