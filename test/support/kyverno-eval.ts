import { registerFunction, search, TYPE_STRING, type JSONValue } from '@jmespath-community/jmespath';

/*
 * No Kyverno runs here. This evaluates the subset of a ClusterPolicy that kube-lease generates, with
 * Kyverno's semantics for it, so a table of requests can state what the cluster will do:
 * `match.any[].resources.{kinds, operations}`, `preconditions.{all, any}`, `validate.deny.conditions.{any, all}`,
 * conditions `{ key, operator, value }` whose `{{ … }}` are JMESPath over `{ request }` (with Kyverno's
 * time_now_utc, time_add and time_after), and the operators Equals, NotEquals, AnyIn, AnyNotIn and
 * GreaterThan. Anything else in a policy makes the evaluator throw rather than guess.
 */

/** An admission request as Kyverno's JMESPath context shows it. */
export interface AdmissionRequest {
  readonly operation: 'CREATE' | 'UPDATE' | 'DELETE';
  readonly kind: { readonly kind: string };
  readonly userInfo: { readonly username: string; readonly groups: readonly string[] };
  readonly object: Record<string, unknown> | null;
  readonly oldObject: Record<string, unknown> | null;
}

interface Condition {
  key: unknown;
  operator: string;
  value: unknown;
}
interface Conditions {
  all?: Condition[];
  any?: Condition[];
}
interface Rule {
  name: string;
  match: { any: { resources: { kinds: string[]; operations?: string[] } }[] };
  preconditions?: Conditions;
  validate: { message: string; allowExistingViolations?: boolean; deny: { conditions: Conditions } };
}
interface Policy {
  spec: { validationFailureAction: string; rules: Rule[] };
}

let now = () => new Date();
let registered = false;

/** Go duration (`3600s`, `24h`, `90m`) in milliseconds. */
function goDuration(text: string): number {
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) total += Number(amount) * (units[unit ?? 's'] ?? 0);
  return total;
}

function registerKyvernoFunctions(): void {
  if (registered) return;
  registered = true;
  registerFunction('time_now_utc', () => now().toISOString(), []);
  registerFunction('time_add', ([time, duration]) => new Date(Date.parse(String(time)) + goDuration(String(duration))).toISOString(), [{ types: [TYPE_STRING] }, { types: [TYPE_STRING] }]);
  // Kyverno's time_parse(layout, value) → RFC 3339; the layouts our policy uses.
  registerFunction('time_parse', ([layout, value]) => {
    const text = String(value);
    if (String(layout) === '2006-01-02T150405Z') {
      const m = /^(\d{4}-\d{2}-\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
      if (m === null) throw new Error(`time_parse: ${text} is not ${String(layout)}`);
      return `${m[1] ?? ''}T${m[2] ?? ''}:${m[3] ?? ''}:${m[4] ?? ''}Z`;
    }
    throw new Error(`evaluator: time_parse layout ${String(layout)} not supported`);
  }, [{ types: [TYPE_STRING] }, { types: [TYPE_STRING] }]);
  registerFunction('time_after', ([a, b]) => {
    const [x, y] = [Date.parse(String(a)), Date.parse(String(b))];
    if (Number.isNaN(x) || Number.isNaN(y)) throw new Error(`time_after: not times: ${String(a)}, ${String(b)}`);
    return x > y;
  }, [{ types: [TYPE_STRING] }, { types: [TYPE_STRING] }]);
}

/** Kyverno's variable substitution: a string that is one `{{ … }}` becomes the value itself. */
function substitute(value: unknown, request: AdmissionRequest): unknown {
  if (typeof value !== 'string') return value;
  const whole = /^\{\{(.*)\}\}$/s.exec(value.trim());
  if (whole?.[1] !== undefined) return search({ request } as unknown as JSONValue, whole[1].trim());
  if (value.includes('{{')) throw new Error(`evaluator: partial substitution not supported: ${value}`);
  return value;
}

function holds(condition: Condition, request: AdmissionRequest): boolean {
  const key = substitute(condition.key, request);
  const value = substitute(condition.value, request);
  const list = Array.isArray(value) ? (value as unknown[]) : [value];
  const keys = Array.isArray(key) ? (key as unknown[]) : [key];
  switch (condition.operator) {
    case 'Equals':
      return JSON.stringify(key) === JSON.stringify(value);
    case 'NotEquals':
      return JSON.stringify(key) !== JSON.stringify(value);
    case 'AnyIn':
      return keys.some((k) => list.some((v) => JSON.stringify(k) === JSON.stringify(v)));
    case 'AnyNotIn':
      return keys.some((k) => !list.some((v) => JSON.stringify(k) === JSON.stringify(v)));
    case 'GreaterThan':
      return Number(key) > Number(value);
    default:
      throw new Error(`evaluator: operator ${condition.operator} not supported`);
  }
}

function all(conditions: Conditions, request: AdmissionRequest): boolean {
  const { all: every, any: some } = conditions;
  return (every ?? []).every((c) => holds(c, request)) && (some === undefined || some.some((c) => holds(c, request)));
}

/** The first rule that denies the request, or undefined when the policy lets it through. */
export function evaluate(policy: Policy, request: AdmissionRequest, clock: () => Date = () => new Date()): { rule: string; message: string } | undefined {
  registerKyvernoFunctions();
  now = clock;
  if (policy.spec.validationFailureAction !== 'Enforce') throw new Error('evaluator: only Enforce policies');
  for (const rule of policy.spec.rules) {
    const matched = rule.match.any.some(
      (m) => m.resources.kinds.includes(request.kind.kind) && (m.resources.operations === undefined || m.resources.operations.includes(request.operation)),
    );
    if (!matched) continue;
    if (rule.preconditions !== undefined && !all(rule.preconditions, request)) continue;
    if (rule.validate.allowExistingViolations !== false) throw new Error(`evaluator: rule ${rule.name} lets existing violations through on UPDATE`);
    if (all(rule.validate.deny.conditions, request)) return { rule: rule.name, message: rule.validate.message };
  }
  return undefined;
}
