import type { RequestCount } from './activity.js';
import type { Profile } from './catalog.js';
import type { Lease } from './lease.js';
import type { LeaseUseFinding } from './lease-use.js';

/** One rule of a Role or ClusterRole (rbac.authorization.k8s.io/v1 PolicyRule): what a role grants. */
export interface RoleRule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
  readonly resourceNames?: readonly string[] | undefined;
}

/** The rules of each role, by `Role/<name>` or `ClusterRole/<name>` (see roleKey). */
export type RoleRules = ReadonlyMap<string, readonly RoleRule[]>;

/** The key of a role in RoleRules. */
export function roleKey(role: { readonly kind: string; readonly name: string }): string {
  return `${role.kind}/${role.name}`;
}

/** One verb on one resource a role grants (`*` where the rule says `*`); `group` `""` is the core group. */
export interface Grant {
  readonly verb: string;
  readonly resource: string;
  readonly group: string;
}

/** A grant and in how many of the profile's leases (per their evidence) it was used. */
export interface GrantUse extends Grant {
  readonly usedIn: number;
}

/** What a profile's leases of the period did with what it grants. */
export interface ProfileUse {
  readonly profile: string;
  readonly role: string;
  readonly leases: number;
  readonly used: number;
  readonly unused: number;
  readonly notKnown: number;
  /** Leases whose every allowed request is listed in the evidence: what a grant is judged unused on. */
  readonly judged: number;
  /** Each grant of the role with its use; undefined when the role's rules were not given. */
  readonly grants: readonly GrantUse[] | undefined;
  /** Seconds approved (start to expiry), summed over the leases. */
  readonly requestedSeconds: number;
  /** Seconds from the first to the last request, summed over the leases whose evidence recorded them. */
  readonly usedSeconds: number;
  /** Leases counted in usedSeconds (and in the requested seconds it is compared with). */
  readonly timed: number;
  readonly timedRequestedSeconds: number;
}

/** A concrete change to the catalog (or the role) that the period's use suggests. */
export interface Suggestion {
  readonly profile: string;
  readonly kind: 'unused-grant' | 'unused-profile' | 'no-leases' | 'shorter-duration';
  readonly text: string;
}

/** `deployments.apps` → resource and group; `pods/exec` → core group. Non-resource paths (`/healthz`): undefined. */
function parseResource(text: string): { readonly resource: string; readonly group: string } | undefined {
  if (text.startsWith('/')) return undefined;
  const dot = text.indexOf('.');
  return dot < 0 ? { resource: text, group: '' } : { resource: text.slice(0, dot), group: text.slice(dot + 1) };
}

/** Each verb × resource × group a set of rules names (a rule limited to some resourceNames still names them). */
export function grantsOf(rules: readonly RoleRule[]): Grant[] {
  const seen = new Map<string, Grant>();
  for (const rule of rules) {
    for (const group of rule.apiGroups) for (const resource of rule.resources) for (const verb of rule.verbs) seen.set(`${verb} ${resource} ${group}`, { verb, resource, group });
  }
  return [...seen.values()];
}

/** Whether a request row falls under a grant, as the RBAC authorizer matches rules (a star, or a star and a subresource). */
function covers(grant: Grant, row: RequestCount): boolean {
  const parsed = parseResource(row.resource);
  if (parsed === undefined) return false;
  const subresource = parsed.resource.split('/')[1];
  const resourceMatches = grant.resource === '*' || grant.resource === parsed.resource || (subresource !== undefined && grant.resource === `*/${subresource}`);
  return (grant.group === '*' || grant.group === parsed.group) && resourceMatches && (grant.verb === '*' || grant.verb === row.verb);
}

/** `delete pods`, `get deployments.apps`, `* pods/exec`: a grant as a reader names it. */
export function grantText(grant: Grant): string {
  return `${grant.verb} ${grant.resource}${grant.group === '' ? '' : `.${grant.group}`}`;
}

const seconds = (from: string, to: string) => Math.max(0, (Date.parse(to) - Date.parse(from)) / 1000);

/**
 * Least privilege learned from use: per profile of the catalog, its leases of the period with their
 * use (from `uses`, by lease id), each verb × resource its role grants and in how many leases it was
 * used, the time approved against the time used (first to last request); and suggestions. Pure.
 * A grant is called unused only when no evidence shows it used and some lease's evidence lists
 * every allowed request: a lease without evidence (or with rows left out) never makes a grant look unused.
 *
 * @example learnLeastPrivilege(catalog.profiles, leases, uses, roles).suggestions
 *   // [{ profile: 'payments-debug', kind: 'unused-grant', text: 'payments-debug: `delete pods` unused in 41 leases…' }]
 */
export function learnLeastPrivilege(profiles: readonly Profile[], leases: readonly Lease[], uses: ReadonlyMap<string, LeaseUseFinding>, roles: RoleRules | undefined): { readonly profiles: ProfileUse[]; readonly suggestions: Suggestion[] } {
  const result: ProfileUse[] = [];
  const suggestions: Suggestion[] = [];
  for (const profile of profiles) {
    const mine = leases.filter((l) => l.profile === profile.name && l.dryRun !== true);
    const found = mine.map((l) => ({ lease: l, use: uses.get(l.id) ?? { use: 'not known' as const } }));
    const judged = found.filter((f) => f.use.complete === true);
    const rules = roles?.get(roleKey(profile.roleRef));
    // A row listed is a use, complete list or not; only complete lists can show a grant unused.
    const grants = rules === undefined ? undefined : grantsOf(rules).map((g) => ({ ...g, usedIn: found.filter((f) => (f.use.rows ?? []).some((row) => covers(g, row))).length }));
    const timed = found.filter((f) => f.use.firstAt !== undefined && f.use.lastAt !== undefined);
    const use: ProfileUse = {
      profile: profile.name,
      role: roleKey(profile.roleRef),
      leases: mine.length,
      used: found.filter((f) => f.use.use === 'used').length,
      unused: found.filter((f) => f.use.use === 'unused').length,
      notKnown: found.filter((f) => f.use.use === 'not known').length,
      judged: judged.length,
      grants,
      requestedSeconds: mine.reduce((n, l) => n + seconds(l.startsAt, l.expiresAt), 0),
      usedSeconds: timed.reduce((n, f) => n + seconds(f.use.firstAt ?? '', f.use.lastAt ?? ''), 0),
      timed: timed.length,
      timedRequestedSeconds: timed.reduce((n, f) => n + seconds(f.lease.startsAt, f.lease.expiresAt), 0),
    };
    result.push(use);
    suggestions.push(...suggest(use));
  }
  return { profiles: result, suggestions };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function hours(s: number): string {
  return s >= 3600 ? `${(s / 3600).toFixed(1)} h` : `${Math.round(s / 60)} min`;
}

function suggest(use: ProfileUse): Suggestion[] {
  const { profile } = use;
  if (use.leases === 0) return [{ profile, kind: 'no-leases', text: `${profile}: no lease in the period: remove the profile if nobody needs it` }];
  const out: Suggestion[] = [];
  const known = use.used + use.unused;
  if (use.used === 0 && use.unused > 0) {
    out.push({ profile, kind: 'unused-profile', text: `${profile}: no request through any of its ${plural(use.unused, 'lease')} with evidence${use.notKnown > 0 ? ` (${use.notKnown} more without evidence)` : ''}: is the profile needed?` });
  }
  if (use.grants !== undefined && use.judged > 0) {
    for (const grant of use.grants.filter((g) => g.usedIn === 0)) {
      out.push({ profile, kind: 'unused-grant', text: `${profile}: \`${grantText(grant)}\` unused in ${plural(use.judged, 'lease')}${use.judged < known ? ` (of ${known} with evidence; the others list only part of their requests)` : ''}: remove it from ${use.role}` });
    }
  }
  // Used for under a quarter of the approved time, over several leases: a shorter default would do.
  if (use.timed >= 3 && use.usedSeconds < use.timedRequestedSeconds / 4) {
    out.push({ profile, kind: 'shorter-duration', text: `${profile}: used ${hours(use.usedSeconds / use.timed)} per lease (first to last request) of ${hours(use.timedRequestedSeconds / use.timed)} approved, over ${plural(use.timed, 'lease')}: lower defaultDuration` });
  }
  return out;
}
