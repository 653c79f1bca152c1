import { parseAllDocuments } from 'yaml';
import * as z from 'zod';
import { roleKey, type RoleRule, type RoleRules } from '../../domain/least-privilege.js';
import type { ReportPeriod } from '../../domain/report-period.js';
import type { OrphanRemoval } from '../../domain/review-pack.js';
import { ReportRequestError } from '../../errors.js';

const rule = z.object({ apiGroups: z.array(z.string()).default(['']), resources: z.array(z.string()).default([]), verbs: z.array(z.string()), resourceNames: z.array(z.string()).optional(), nonResourceURLs: z.array(z.string()).optional() });
const role = z.looseObject({ kind: z.enum(['Role', 'ClusterRole']), metadata: z.looseObject({ name: z.string() }), rules: z.array(rule).nullable().optional() });
const list = z.looseObject({ kind: z.string(), items: z.array(z.unknown()).optional() });

/**
 * The rules of each role in Kubernetes YAML or JSON: Role and ClusterRole objects, one per document
 * or in a `List` (what `kubectl get clusterroles,roles -A -o yaml` prints). Roles of one name in
 * several namespaces are merged (a profile binds it in each of its namespaces). Other kinds are
 * skipped; a Role or ClusterRole that does not parse is a ReportRequestError naming the file.
 */
export function parseRoleRules(text: string, file: string): RoleRules {
  const rules = new Map<string, RoleRule[]>();
  const add = (item: unknown) => {
    const kind = list.safeParse(item);
    if (!kind.success) return;
    if (kind.data.items !== undefined) return kind.data.items.forEach(add);
    if (kind.data.kind !== 'Role' && kind.data.kind !== 'ClusterRole') return;
    const parsed = role.safeParse(item);
    if (!parsed.success) throw new ReportRequestError(`${file}: a ${kind.data.kind} does not parse: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const key = roleKey({ kind: parsed.data.kind, name: parsed.data.metadata.name });
    rules.set(key, [...(rules.get(key) ?? []), ...(parsed.data.rules ?? []).filter((r) => r.resources.length > 0)]);
  };
  for (const doc of parseAllDocuments(text)) {
    if ('errors' in doc && doc.errors.length > 0) throw new ReportRequestError(`${file} is not YAML or JSON: ${doc.errors[0]?.message ?? ''}`);
    add(doc.toJS());
  }
  return rules;
}

const revoke = z.looseObject({ kind: z.literal('revoke'), at: z.string(), leaseId: z.string(), cluster: z.string(), namespaces: z.array(z.string()), reason: z.string() });

/**
 * The orphan bindings the sweep removed in the period, from audit event lines (`{"audit":true,
 * "kind":"revoke",…}` as the functions write them, e.g. exported from CloudWatch Logs). Lines that
 * are not JSON audit events are skipped: an export carries other log lines too.
 */
export function orphansFromAuditLines(text: string, period: ReportPeriod): OrphanRemoval[] {
  const found: OrphanRemoval[] = [];
  for (const line of text.split('\n')) {
    const start = line.indexOf('{');
    if (start < 0) continue;
    let value: unknown;
    try {
      value = JSON.parse(line.slice(start));
    } catch {
      continue;
    }
    const event = revoke.safeParse(value);
    if (!event.success || !event.data.reason.startsWith('orphan binding')) continue;
    const at = Date.parse(event.data.at);
    if (Number.isNaN(at) || at < period.from.getTime() || at >= period.to.getTime()) continue;
    const { leaseId, cluster, namespaces, reason } = event.data;
    found.push({ at: event.data.at, leaseId, cluster, namespaces, reason });
  }
  return found;
}
