// Thin typed wrappers over ledger-api's ledger endpoints (/api/ledger/debtors, /creditors,
// /items and everything under an item, /key-cases, /weekly, /flags, /candidates). Each returns
// the response data or throws an ApiError carrying the problem document (src/api/problems.ts).
// Money is always a decimal string ("1234.50"); pages never build URLs themselves.
import type { components, operations } from './generated/ledger'
import { ledgerClient } from './clients'
import { ifMatch, unwrap } from './problems'
import type { Paged } from './identity'

type Schemas = components['schemas']
export type Debtor = Schemas['DebtorOut']
export type DebtorIn = Schemas['DebtorIn']
export type Creditor = Schemas['CreditorOut']
export type CreditorIn = Schemas['CreditorIn']
export type Item = Schemas['ItemOut']
export type ItemDetail = Schemas['ItemDetail']
export type ItemIn = Schemas['ItemIn']
export type ItemPatch = Schemas['ItemPatch']
export type FundingLineIn = Schemas['FundingLineIn']
export type Totals = Schemas['Totals']
export type HistoryEntry = Schemas['HistoryEntry']
export type Repayment = Schemas['RepaymentOut']
export type RepaymentIn = Schemas['RepaymentIn']
export type Adjustment = Schemas['AdjustmentOut']
export type AdjustmentIn = Schemas['AdjustmentIn']
export type Evidence = Schemas['EvidenceOut']
export type EvidencePurpose = Schemas['Body_items_upload_evidence']['purpose']
export type Interest = Schemas['InterestOut']
export type Plan = Schemas['PlanOut']
export type PlanIn = Schemas['PlanIn']
export type Installment = Schemas['InstallmentOut']
export type InstallmentState = Installment['state']
export type ExtensionIn = Schemas['ExtensionIn']
export type WeeklyUpdate = Schemas['WeeklyUpdateOut']
export type WeeklyUpdateIn = Schemas['WeeklyUpdateIn']
export type WeeklyUpdatePatch = Schemas['WeeklyUpdatePatch']
export type MissingReport = Schemas['MissingReport']
export type MissingItem = Schemas['MissingItem']
export type Flag = Schemas['FlagOut']
export type FlagRow = Schemas['FlagRow']
export type FlagKind = Flag['kind']
export type Chain = Schemas['ChainOut']
export type Reclassification = Schemas['ReclassificationOut']
export type ReclassifyIn = Schemas['ReclassifyIn']
export type KeyCase = Schemas['KeyCaseOut']
export type KeyCaseRow = Schemas['KeyCaseRow']
export type KeyCaseIn = Schemas['KeyCaseIn']
export type Interview = Schemas['InterviewOut']
export type InterviewIn = Schemas['InterviewIn']
export type Notice = Schemas['NoticeOut']
export type NoticeIn = Schemas['NoticeIn']
export type Candidate = Schemas['CandidateOut']
export type CandidateConfirm = Schemas['CandidateConfirm']
export type RepaymentQueueRow = Schemas['RepaymentQueueRow']
export type WriteOffReason = Schemas['WriteOffReason']
export type Person = Schemas['PersonOut']

export type ItemQuery = NonNullable<operations['items_list_items']['parameters']['query']>
export type ItemFilterQuery = NonNullable<operations['items_item_totals']['parameters']['query']>
export type ItemSort = NonNullable<ItemQuery['sort']>
export type ItemStatus = NonNullable<ItemQuery['status']>[number]
export type DebtorType = DebtorIn['type']
export type CreditorSize = CreditorIn['size']
export type ProcurementType = ItemIn['procurement_type']
export type DisputeRoute = NonNullable<ItemIn['dispute_route']>
export type FundingSource = FundingLineIn['source']
export type RepaymentMethod = RepaymentIn['method']
/** A funding line being edited (amount as typed into MoneyInput). */
export interface FundingLineDraft {
  source: FundingSource
  amount: string
  expected_arrival_date: string | null
}
export type DebtorQuery = NonNullable<operations['registry_list_debtors']['parameters']['query']>
export type CreditorQuery = NonNullable<operations['registry_list_creditors']['parameters']['query']>
export type FlagQuery = NonNullable<operations['flags_list_flags']['parameters']['query']>
export type KeyCaseQuery = NonNullable<operations['supervision_list_key_cases']['parameters']['query']>
export type CandidateQuery = NonNullable<operations['candidates_list_candidates']['parameters']['query']>
export type RepaymentQueueQuery = NonNullable<operations['repayments_list_repayment_queue']['parameters']['query']>
export type RepaymentStatus = NonNullable<RepaymentQueueQuery['status']>[number]
export type PeopleQuery = NonNullable<operations['people_list_people']['parameters']['query']>

// The lists of a contract enumeration's values (ITEM_STATUSES, DEBTOR_TYPES…) are the keys of
// its label map: composables/useLedgerLabels.ts. Subsets with a meaning of their own stay here.
/** Statuses of an item still owed (待化解, 化解中, 已清偿待核实). */
export const OPEN_STATUSES: readonly ItemStatus[] = ['open', 'resolving', 'claimed_cleared']
/** Statuses whose items owe a weekly update. */
export const WEEKLY_STATUSES: readonly ItemStatus[] = ['open', 'resolving']

/** Drops empty filter values (and empty lists) so they do not reach the query string. */
export function compact<T extends object>(query: T): T {
  return Object.fromEntries(
    Object.entries(query).filter(
      ([, v]) => v !== undefined && v !== null && v !== '' && !(Array.isArray(v) && v.length === 0),
    ),
  ) as T
}

const itemPath = (itemId: string) => ({ path: { item_id: itemId } })

// ---------------------------------------------------------------- debtors and creditors

export function listDebtors(query: DebtorQuery): Promise<Paged<Debtor>> {
  return unwrap(ledgerClient.GET('/api/ledger/debtors', { params: { query: compact(query) } }))
}

export function createDebtor(body: DebtorIn): Promise<Debtor> {
  return unwrap(ledgerClient.POST('/api/ledger/debtors', { body }))
}

export function listCreditors(query: CreditorQuery): Promise<Paged<Creditor>> {
  return unwrap(ledgerClient.GET('/api/ledger/creditors', { params: { query: compact(query) } }))
}

export function createCreditor(body: CreditorIn): Promise<Creditor> {
  return unwrap(ledgerClient.POST('/api/ledger/creditors', { body }))
}

/** One creditor; `reveal` shows the contact in full (personal_data:read, and logged). */
export function getCreditor(id: string, reveal = false): Promise<Creditor> {
  return unwrap(
    ledgerClient.GET('/api/ledger/creditors/{creditor_id}', {
      params: { path: { creditor_id: id }, query: reveal ? { reveal } : {} },
    }),
  )
}

// ---------------------------------------------------------------- items

export function listItems(query: ItemQuery): Promise<Paged<Item>> {
  return unwrap(ledgerClient.GET('/api/ledger/items', { params: { query: compact(query) } }))
}

export function itemTotals(query: ItemFilterQuery): Promise<Totals> {
  return unwrap(ledgerClient.GET('/api/ledger/items/totals', { params: { query: compact(query) } }))
}

export function getItem(id: string): Promise<ItemDetail> {
  return unwrap(ledgerClient.GET('/api/ledger/items/{item_id}', { params: itemPath(id) }))
}

export function createItem(body: ItemIn): Promise<ItemDetail> {
  return unwrap(ledgerClient.POST('/api/ledger/items', { body }))
}

/** PATCH with If-Match: the version the item was read at (412 when someone changed it since). */
export function updateItem(item: Pick<Item, 'id' | 'version'>, body: ItemPatch): Promise<ItemDetail> {
  return unwrap(
    ledgerClient.PATCH('/api/ledger/items/{item_id}', {
      params: itemPath(item.id),
      headers: { 'If-Match': ifMatch(item.version) },
      body,
    }),
  )
}

export function voidItem(item: Pick<Item, 'id' | 'version'>, reason: string): Promise<ItemDetail> {
  return unwrap(
    ledgerClient.POST('/api/ledger/items/{item_id}/void', {
      params: itemPath(item.id),
      headers: { 'If-Match': ifMatch(item.version) },
      body: { reason },
    }),
  )
}

/** 销账: refused (409 write_off_refused, every reason in `reasons`, see utils/writeOff.ts) unless outstanding is zero and every repayment is verified with evidence. */
export function writeOffItem(item: Pick<Item, 'id' | 'version'>): Promise<ItemDetail> {
  return unwrap(
    ledgerClient.POST('/api/ledger/items/{item_id}/write-off', {
      params: itemPath(item.id),
      headers: { 'If-Match': ifMatch(item.version) },
    }),
  )
}

export function itemHistory(id: string): Promise<HistoryEntry[]> {
  return unwrap(ledgerClient.GET('/api/ledger/items/{item_id}/history', { params: itemPath(id) }))
}

export function itemInterest(id: string): Promise<Interest> {
  return unwrap(ledgerClient.GET('/api/ledger/items/{item_id}/interest', { params: itemPath(id) }))
}

// ---------------------------------------------------------------- repayments and adjustments

export function listRepayments(itemId: string): Promise<Repayment[]> {
  return unwrap(ledgerClient.GET('/api/ledger/items/{item_id}/repayments', { params: itemPath(itemId) }))
}

export function reportRepayment(itemId: string, body: RepaymentIn): Promise<Repayment> {
  return unwrap(ledgerClient.POST('/api/ledger/items/{item_id}/repayments', { params: itemPath(itemId), body }))
}

const repaymentPath = (itemId: string, repaymentId: string) => ({
  path: { item_id: itemId, repayment_id: repaymentId },
})

export function verifyRepayment(itemId: string, repaymentId: string): Promise<Repayment> {
  return unwrap(
    ledgerClient.POST('/api/ledger/items/{item_id}/repayments/{repayment_id}/verify', {
      params: repaymentPath(itemId, repaymentId),
    }),
  )
}

export function rejectRepayment(itemId: string, repaymentId: string, reason: string): Promise<Repayment> {
  return unwrap(
    ledgerClient.POST('/api/ledger/items/{item_id}/repayments/{repayment_id}/reject', {
      params: repaymentPath(itemId, repaymentId),
      body: { reason },
    }),
  )
}

/** 冲销: a verified repayment entered wrongly is undone by a reversing entry (201, the reversal). */
export function reverseRepayment(itemId: string, repaymentId: string, reason: string): Promise<Repayment> {
  return unwrap(
    ledgerClient.POST('/api/ledger/items/{item_id}/repayments/{repayment_id}/reverse', {
      params: repaymentPath(itemId, repaymentId),
      body: { reason },
    }),
  )
}

/** 核实队列: repayments across the items of the caller's scope (oldest report first by default). */
export function listRepaymentQueue(query: RepaymentQueueQuery): Promise<Schemas['Page_RepaymentQueueRow_']> {
  return unwrap(ledgerClient.GET('/api/ledger/repayments', { params: { query: compact(query) } }))
}

export function addAdjustment(itemId: string, body: AdjustmentIn): Promise<Adjustment> {
  return unwrap(ledgerClient.POST('/api/ledger/items/{item_id}/adjustments', { params: itemPath(itemId), body }))
}

// ---------------------------------------------------------------- evidence

export function listEvidence(itemId: string): Promise<Evidence[]> {
  return unwrap(ledgerClient.GET('/api/ledger/items/{item_id}/evidence', { params: itemPath(itemId) }))
}

/** Multipart upload; the server sniffs the content (415 file_type_rejected) and the size (413 file_too_large). */
export function uploadEvidence(
  itemId: string,
  file: File,
  options: { purpose: EvidencePurpose; repaymentId?: string | null },
): Promise<Evidence> {
  const form = new FormData()
  form.append('file', file, file.name)
  form.append('purpose', options.purpose)
  if (options.repaymentId) form.append('repayment_id', options.repaymentId)
  return unwrap(
    ledgerClient.POST('/api/ledger/items/{item_id}/evidence', {
      params: itemPath(itemId),
      // The generated body type says `file: string`; the real body is the FormData.
      body: form as unknown as Schemas['Body_items_upload_evidence'],
      bodySerializer: (body) => body as unknown as FormData,
    }),
  )
}

/** The file's bytes through the authenticated client (each download is logged by the server). */
export function downloadEvidence(itemId: string, evidenceId: string): Promise<Blob> {
  return unwrap(
    ledgerClient.GET('/api/ledger/items/{item_id}/evidence/{evidence_id}/content', {
      params: { path: { item_id: itemId, evidence_id: evidenceId } },
      parseAs: 'blob',
    }),
  ) as Promise<Blob>
}

// ---------------------------------------------------------------- repayment plan

export function getPlan(itemId: string): Promise<Plan> {
  return unwrap(ledgerClient.GET('/api/ledger/items/{item_id}/plan', { params: itemPath(itemId) }))
}

export function listPlans(itemId: string): Promise<Plan[]> {
  return unwrap(ledgerClient.GET('/api/ledger/items/{item_id}/plans', { params: itemPath(itemId) }))
}

/** Agree a plan, or replace the active one (then If-Match with the item's version is required). */
export function putPlan(item: Pick<Item, 'id' | 'version'>, body: PlanIn, replacing: boolean): Promise<Plan> {
  return unwrap(
    ledgerClient.PUT('/api/ledger/items/{item_id}/plan', {
      params: itemPath(item.id),
      headers: replacing ? { 'If-Match': ifMatch(item.version) } : {},
      body,
    }),
  )
}

export function extendInstallment(itemId: string, installmentId: string, body: ExtensionIn): Promise<Plan> {
  return unwrap(
    ledgerClient.POST('/api/ledger/items/{item_id}/plan/installments/{installment_id}/extend', {
      params: { path: { item_id: itemId, installment_id: installmentId } },
      body,
    }),
  )
}

// ---------------------------------------------------------------- weekly updates

export function listWeeklyUpdates(itemId: string): Promise<WeeklyUpdate[]> {
  return unwrap(ledgerClient.GET('/api/ledger/items/{item_id}/weekly-updates', { params: itemPath(itemId) }))
}

export function createWeeklyUpdate(itemId: string, body: WeeklyUpdateIn): Promise<WeeklyUpdate> {
  return unwrap(ledgerClient.POST('/api/ledger/items/{item_id}/weekly-updates', { params: itemPath(itemId), body }))
}

export function editWeeklyUpdate(
  itemId: string,
  update: Pick<WeeklyUpdate, 'id' | 'version'>,
  body: WeeklyUpdatePatch,
): Promise<WeeklyUpdate> {
  return unwrap(
    ledgerClient.PATCH('/api/ledger/items/{item_id}/weekly-updates/{update_id}', {
      params: { path: { item_id: itemId, update_id: update.id } },
      headers: { 'If-Match': ifMatch(update.version) },
      body,
    }),
  )
}

/** Open items without an update in `week` (ISO, e.g. 2026-W48; default this week), per unit and person. */
export function missingWeeklyUpdates(week?: string, groupBy: 'unit' | 'person' = 'unit'): Promise<MissingReport> {
  return unwrap(
    ledgerClient.GET('/api/ledger/weekly/missing', { params: { query: compact({ week, group_by: groupBy }) } }),
  )
}

// ---------------------------------------------------------------- red flags, chain, reclassification

export function listFlags(query: FlagQuery): Promise<Paged<FlagRow>> {
  return unwrap(ledgerClient.GET('/api/ledger/flags', { params: { query: compact(query) } }))
}

export function listItemFlags(itemId: string): Promise<Flag[]> {
  return unwrap(ledgerClient.GET('/api/ledger/items/{item_id}/flags', { params: itemPath(itemId) }))
}

export function itemChain(itemId: string): Promise<Chain> {
  return unwrap(ledgerClient.GET('/api/ledger/items/{item_id}/chain', { params: itemPath(itemId) }))
}

export function listReclassifications(itemId: string): Promise<Reclassification[]> {
  return unwrap(ledgerClient.GET('/api/ledger/items/{item_id}/reclassify-disputed', { params: itemPath(itemId) }))
}

export function requestReclassification(itemId: string, body: ReclassifyIn): Promise<Reclassification> {
  return unwrap(
    ledgerClient.POST('/api/ledger/items/{item_id}/reclassify-disputed', { params: itemPath(itemId), body }),
  )
}

export function approveReclassification(itemId: string, id: string, note?: string): Promise<Reclassification> {
  return unwrap(
    ledgerClient.POST('/api/ledger/items/{item_id}/reclassify-disputed/{reclassification_id}/approve', {
      params: { path: { item_id: itemId, reclassification_id: id } },
      body: { note: note || null },
    }),
  )
}

export function rejectReclassification(itemId: string, id: string, reason: string): Promise<Reclassification> {
  return unwrap(
    ledgerClient.POST('/api/ledger/items/{item_id}/reclassify-disputed/{reclassification_id}/reject', {
      params: { path: { item_id: itemId, reclassification_id: id } },
      body: { reason },
    }),
  )
}

// ---------------------------------------------------------------- supervision

export function listKeyCases(query: KeyCaseQuery): Promise<Paged<KeyCaseRow>> {
  return unwrap(ledgerClient.GET('/api/ledger/key-cases', { params: { query: compact(query) } }))
}

export function listItemKeyCases(itemId: string): Promise<KeyCase[]> {
  return unwrap(ledgerClient.GET('/api/ledger/items/{item_id}/key-cases', { params: itemPath(itemId) }))
}

export function markKeyCase(itemId: string, body: KeyCaseIn): Promise<KeyCase> {
  return unwrap(ledgerClient.POST('/api/ledger/items/{item_id}/key-case', { params: itemPath(itemId), body }))
}

export function closeKeyCase(itemId: string, keyCase: Pick<KeyCase, 'id' | 'version'>, note: string): Promise<KeyCase> {
  return unwrap(
    ledgerClient.POST('/api/ledger/items/{item_id}/key-cases/{key_case_id}/close', {
      params: { path: { item_id: itemId, key_case_id: keyCase.id } },
      headers: { 'If-Match': ifMatch(keyCase.version) },
      body: { note },
    }),
  )
}

export function listInterviews(itemId: string): Promise<Interview[]> {
  return unwrap(ledgerClient.GET('/api/ledger/items/{item_id}/interviews', { params: itemPath(itemId) }))
}

export function recordInterview(itemId: string, body: InterviewIn): Promise<Interview> {
  return unwrap(ledgerClient.POST('/api/ledger/items/{item_id}/interviews', { params: itemPath(itemId), body }))
}

export function listNotices(itemId: string): Promise<Notice[]> {
  return unwrap(ledgerClient.GET('/api/ledger/items/{item_id}/notices', { params: itemPath(itemId) }))
}

export function issueNotice(itemId: string, body: NoticeIn): Promise<Notice> {
  return unwrap(ledgerClient.POST('/api/ledger/items/{item_id}/notices', { params: itemPath(itemId), body }))
}

/** The 督办书 as a .docx (each download is logged by the server). */
export function downloadNotice(itemId: string, noticeId: string): Promise<Blob> {
  return unwrap(
    ledgerClient.GET('/api/ledger/items/{item_id}/notices/{notice_id}/document', {
      params: { path: { item_id: itemId, notice_id: noticeId } },
      parseAs: 'blob',
    }),
  ) as Promise<Blob>
}

// ---------------------------------------------------------------- off-ledger candidates

export function listCandidates(query: CandidateQuery): Promise<Paged<Candidate>> {
  return unwrap(ledgerClient.GET('/api/ledger/candidates', { params: { query: compact(query) } }))
}

export function confirmCandidate(candidate: Pick<Candidate, 'id' | 'version'>, body: CandidateConfirm): Promise<Candidate> {
  return unwrap(
    ledgerClient.POST('/api/ledger/candidates/{candidate_id}/confirm', {
      params: { path: { candidate_id: candidate.id } },
      headers: { 'If-Match': ifMatch(candidate.version) },
      body,
    }),
  )
}

export function rejectCandidate(candidate: Pick<Candidate, 'id' | 'version'>, reason: string): Promise<Candidate> {
  return unwrap(
    ledgerClient.POST('/api/ledger/candidates/{candidate_id}/reject', {
      params: { path: { candidate_id: candidate.id } },
      headers: { 'If-Match': ifMatch(candidate.version) },
      body: { reason },
    }),
  )
}

// ---------------------------------------------------------------- people

/** The people directory (ledger:write): active people of the caller's scope, id, name and unit name only. */
export function listPeople(query: PeopleQuery): Promise<Paged<Person>> {
  return unwrap(ledgerClient.GET('/api/ledger/people', { params: { query: compact(query) } }))
}

