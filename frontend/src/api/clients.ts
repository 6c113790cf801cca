import createClient from 'openapi-fetch'
import type { paths as LedgerPaths } from './generated/ledger'
import type { paths as ComplaintPaths } from './generated/complaint'
import type { paths as NotifyPaths } from './generated/notify'
import { authMiddleware } from './auth'

// One typed client per backend service. Paths in the contracts are absolute
// (`/api/...`), so requests go to the SPA's own origin: the Python process in
// production, the Vite proxy in development. All three accept the same access token.
export const ledgerClient = createClient<LedgerPaths>()
export const complaintClient = createClient<ComplaintPaths>()
export const notifyClient = createClient<NotifyPaths>()

ledgerClient.use(authMiddleware)
complaintClient.use(authMiddleware)
notifyClient.use(authMiddleware)
