import { complaintClient, ledgerClient, notifyClient } from './clients'

export const SERVICES = ['ledger', 'complaint', 'notify'] as const
export type ServiceName = (typeof SERVICES)[number]

function reportsOk(data: unknown): boolean {
  return typeof data === 'object' && data !== null && 'status' in data && data.status === 'ok'
}

const probes: Record<ServiceName, () => Promise<{ data?: unknown }>> = {
  ledger: () => ledgerClient.GET('/api/ledger/healthz'),
  complaint: () => complaintClient.GET('/api/complaints/healthz'),
  notify: () => notifyClient.GET('/api/notify/healthz'),
}

/** True when the service's healthz answers 2xx with `{"status": "ok"}`. */
export async function isServiceHealthy(service: ServiceName): Promise<boolean> {
  try {
    const { data } = await probes[service]()
    return reportsOk(data)
  } catch {
    return false // network error, proxy down, non-JSON body…
  }
}
