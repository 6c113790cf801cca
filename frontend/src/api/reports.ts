// Typed wrappers over ledger-api's reports (/api/ledger/reports/…): the dashboard, each report as
// JSON, and each report as an .xlsx or PDF download (every export is logged by the server).
import type { components, operations } from './generated/ledger'
import { ledgerClient } from './clients'
import { unwrap } from './problems'

type Schemas = components['schemas']
export type Dashboard = Schemas['Dashboard']
export type Figures = Schemas['Figures']
export type GroupRow = Schemas['GroupRow']
export type AgeingReport = Schemas['AgeingReport']
export type TrendReport = Schemas['TrendReport']
export type RankingReport = Schemas['RankingReport']
export type FlagReport = Schemas['FlagReport']
export type TotalsReport = Schemas['TotalsReport']
export type DashboardQuery = NonNullable<operations['reports_report_dashboard']['parameters']['query']>
export type ExportQuery = NonNullable<operations['reports_export_report']['parameters']['query']>
export type ReportName = operations['reports_export_report']['parameters']['path']['report']
export type GroupBy = NonNullable<ExportQuery['group_by']>
export type ExportFormat = NonNullable<ExportQuery['format']>

export function getDashboard(query: DashboardQuery = {}): Promise<Dashboard> {
  return unwrap(ledgerClient.GET('/api/ledger/reports/dashboard', { params: { query } }))
}

export function getTotalsReport(groupBy: GroupBy): Promise<TotalsReport> {
  return unwrap(ledgerClient.GET('/api/ledger/reports/totals', { params: { query: { group_by: groupBy } } }))
}

export function exportReport(report: ReportName, query: ExportQuery): Promise<Blob> {
  return unwrap(
    ledgerClient.GET('/api/ledger/reports/{report}/export', {
      params: { path: { report }, query },
      parseAs: 'blob',
    }),
  ) as Promise<Blob>
}
