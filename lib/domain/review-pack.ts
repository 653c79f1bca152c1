import type { Profile } from './catalog.js';
import type { SealCheck } from './evidence-digest.js';
import { learnLeastPrivilege, type ProfileUse, type RoleRules, type Suggestion } from './least-privilege.js';
import { approvalKindOf, standingAccess, type DeniedApproval, type Lease } from './lease.js';
import { leaseUse, type LeaseUse } from './lease-use.js';
import { APPROVAL_KINDS, type ApprovalKind } from './on-call.js';
import { leaseEnd } from './report-period.js';
import type { ReviewPeriod } from './review-period.js';
import { personLabel } from './ticket.js';

/** One lease as the pack shows it. */
export interface PackLease {
  readonly id: string;
  readonly ticketKey: string;
  readonly ticketUrl: string;
  readonly profile: string;
  readonly requester: string;
  readonly approvers: string;
  readonly approvalKind: ApprovalKind;
  readonly status: string;
  readonly startsAt: string;
  readonly expiresAt: string;
  /** When it ended; null while open. */
  readonly end: string | null;
  readonly use: LeaseUse;
  readonly requests?: number | undefined;
  /** Why the use is not known. */
  readonly why?: string | undefined;
  readonly firstAt?: string | undefined;
  readonly lastAt?: string | undefined;
  /** Namespaces where the API server still allowed the lease's access check after the revoke, through no other lease. */
  readonly standingAccess: readonly string[];
}

/** The leases of one profile or one person, counted. */
export interface PackGroup {
  readonly name: string;
  readonly leases: number;
  readonly approvalKinds: Readonly<Record<ApprovalKind, number>>;
  readonly used: number;
  readonly unused: number;
  readonly notKnown: number;
  /** Approved on-call or through break-glass, with no second person. */
  readonly emergency: number;
}

/** An orphan binding the sweep removed, as its audit event tells it. */
export interface OrphanRemoval {
  readonly at: string;
  readonly leaseId: string;
  readonly cluster: string;
  readonly namespaces: readonly string[];
  readonly reason: string;
}

/** Everything a periodic access review needs, from the records alone (no time of its own: built again, it is the same). */
export interface ReviewPack {
  readonly period: { readonly label: string; readonly from: string; readonly to: string };
  readonly leases: readonly PackLease[];
  readonly byProfile: readonly PackGroup[];
  readonly byPerson: readonly PackGroup[];
  readonly emergency: readonly PackLease[];
  readonly standingAccess: readonly PackLease[];
  /** Undefined when no audit events were given: then the pack cannot say which orphans were removed. */
  readonly orphans: readonly OrphanRemoval[] | undefined;
  readonly denials: readonly DeniedApproval[];
  readonly leastPrivilege: { readonly profiles: readonly ProfileUse[]; readonly suggestions: readonly Suggestion[] };
  /** What the reader must know to trust the numbers (evidence not verified, roles not given…). */
  readonly notes: readonly string[];
}

export interface ReviewPackInput {
  readonly period: ReviewPeriod;
  readonly leases: readonly Lease[];
  readonly denials: readonly DeniedApproval[];
  /** The verdicts on the evidence seals, by lease id (see checkEvidenceSeals). */
  readonly seals: ReadonlyMap<string, SealCheck>;
  readonly profiles: readonly Profile[];
  readonly roles: RoleRules | undefined;
  readonly orphans: readonly OrphanRemoval[] | undefined;
}

const EMERGENCY: readonly ApprovalKind[] = ['on-call', 'break-glass'];

function group(name: string, leases: readonly PackLease[]): PackGroup {
  const approvalKinds = Object.fromEntries(APPROVAL_KINDS.map((k) => [k, leases.filter((l) => l.approvalKind === k).length])) as Record<ApprovalKind, number>;
  const count = (use: LeaseUse) => leases.filter((l) => l.use === use).length;
  return { name, leases: leases.length, approvalKinds, used: count('used'), unused: count('unused'), notKnown: count('not known'), emergency: leases.filter((l) => EMERGENCY.includes(l.approvalKind)).length };
}

function groups(leases: readonly PackLease[], key: (l: PackLease) => string): PackGroup[] {
  const names = [...new Set(leases.map(key))].sort();
  return names.map((name) => group(name, leases.filter((l) => key(l) === name)));
}

const byTime = (a: Lease, b: Lease) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id);

/**
 * The review pack of a period: every lease (dry runs left out) with its approval kind and its use
 * per the evidence, counted per profile and per person; emergency leases; standing access found at
 * revoke; orphan bindings the sweep removed (when audit events were given); denials; and least
 * privilege learned from use. Pure, and without a clock: the same records give the same pack.
 */
export function buildReviewPack(input: ReviewPackInput): ReviewPack {
  const real = [...input.leases].filter((l) => l.dryRun !== true).sort(byTime);
  const uses = new Map(real.map((l) => [l.id, leaseUse(l, input.seals.get(l.id))]));
  const leases: PackLease[] = real.map((l) => {
    const use = uses.get(l.id) ?? { use: 'not known' as const };
    return {
      id: l.id,
      ticketKey: l.ticketKey,
      ticketUrl: l.ticketUrl,
      profile: l.profile,
      requester: personLabel(l.requester),
      approvers: l.approvers.map(personLabel).join(', '),
      approvalKind: approvalKindOf(l),
      status: l.status,
      startsAt: l.startsAt,
      expiresAt: l.expiresAt,
      end: leaseEnd(l),
      use: use.use,
      ...(use.requests === undefined ? {} : { requests: use.requests }),
      ...(use.why === undefined ? {} : { why: use.why }),
      ...(use.firstAt === undefined ? {} : { firstAt: use.firstAt, lastAt: use.lastAt }),
      standingAccess: standingAccess(l.verification?.revoked),
    };
  });
  const notes: string[] = [];
  const unverified = real.filter((l) => ['unverified', 'unsealed'].includes(input.seals.get(l.id)?.kind ?? '')).length;
  if (unverified > 0) notes.push(`${unverified} lease(s) have evidence whose seal was not verified (no evidence key, or unsealed): their use is taken as recorded`);
  const dryRuns = input.leases.length - real.length;
  if (dryRuns > 0) notes.push(`${dryRuns} dry-run lease(s) left out: they granted nothing`);
  if (input.roles === undefined) notes.push('no role rules were given (--roles): unused verbs and resources are not computed, only whether leases were used');
  if (input.orphans === undefined) notes.push('no audit events were given (--audit): orphan bindings removed by the sweep are not known to this pack');
  return {
    period: { label: input.period.label, from: input.period.from.toISOString(), to: input.period.to.toISOString() },
    leases,
    byProfile: groups(leases, (l) => l.profile),
    byPerson: groups(leases, (l) => l.requester),
    emergency: leases.filter((l) => EMERGENCY.includes(l.approvalKind)),
    standingAccess: leases.filter((l) => l.standingAccess.length > 0),
    orphans: input.orphans === undefined ? undefined : [...input.orphans].sort((a, b) => a.at.localeCompare(b.at)),
    denials: [...input.denials].sort((a, b) => a.at.localeCompare(b.at) || a.ticketKey.localeCompare(b.ticketKey)),
    leastPrivilege: learnLeastPrivilege(input.profiles, real, uses, input.roles),
    notes,
  };
}
