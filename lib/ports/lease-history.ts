import type { DeniedApproval } from '../domain/lease.js';
import type { LeaseList } from '../domain/lease-list.js';
import type { ReportPeriod } from '../domain/report-period.js';

/**
 * Read-only access to past and present lease records, for reports. Every method reads to the end
 * of what matches: there is no silent cap. Errors: LeaseStoreError.
 */
export interface LeaseHistory {
  /**
   * Every lease whose life (creation to end, or on while open) overlaps `[from, to)`, and every
   * lease item of the table that could not be read (whose period is not known): never left out silently.
   */
  leasesBetween(period: ReportPeriod): Promise<LeaseList>;
  /** Every denied approval decided in `[from, to)`. */
  denialsBetween(period: ReportPeriod): Promise<readonly DeniedApproval[]>;
}
