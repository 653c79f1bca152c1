import * as z from 'zod';
import { LineCounter, parseDocument, isNode } from 'yaml';
import type { Catalog } from '../../domain/catalog.js';
import { ConfigError } from '../../errors.js';
import { catalogSchema, jiraSection, kubeconfigCluster, profileSchema, serviceNowSection } from './catalog-schema.js';

/**
 * Parses and validates catalog YAML. Every problem is reported with its YAML path and line,
 * e.g. `catalog.yaml:14 profiles[0].roleRef.name: role "cluster-admin" may never be bound`.
 */
export function parseCatalog(text: string, sourceName = 'catalog'): Catalog {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => `${sourceName}:${lineCounter.linePos(e.pos[0]).line} ${e.message.split('\n')[0]}`);
    throw new ConfigError(`access catalog is not valid YAML:\n  ${problems.join('\n  ')}`);
  }
  const input: unknown = doc.toJS();
  const result = catalogSchema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.flatMap((issue) => {
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      // One line per key, at the key itself, with the nearest known key.
      return issue.keys.map((key) => `${sourceName}:${lineOf(doc, lineCounter, [...path, key])} ${formatPath(path)}: unknown key "${key}"${suggestion(key)}`);
    }
    return [`${sourceName}:${lineOf(doc, lineCounter, path)} ${formatPath(path)}: ${explain(issue, path, input)}`];
  });
  throw new ConfigError(`access catalog is invalid:\n  ${problems.join('\n  ')}`, { cause: result.error });
}

/** Every key the catalog knows, for "did you mean". */
const KNOWN_KEYS = [
  ...Object.keys(catalogSchema.shape),
  ...Object.keys(profileSchema.shape),
  ...Object.keys(jiraSection.shape),
  ...Object.keys(jiraSection.shape.fields.shape),
  ...Object.keys(serviceNowSection.shape),
  ...Object.keys(serviceNowSection.shape.fields.shape),
  ...Object.keys(kubeconfigCluster.shape),
  'type', 'name', 'region', 'endpoint', 'caData', 'kind', 'pattern', 'hint', 'jiraStatuses', 'serviceNowStates', 'serviceNowField', 'serviceNowTable', 'verb', 'resource', 'group', 'subresource',
];

function suggestion(key: string): string {
  let best: { key: string; distance: number } | undefined;
  for (const known of new Set(KNOWN_KEYS)) {
    const distance = editDistance(key.toLowerCase(), known.toLowerCase());
    if (distance <= Math.max(1, Math.floor(known.length / 4)) && (best === undefined || distance < best.distance)) best = { key: known, distance };
  }
  return best === undefined ? '' : ` (did you mean "${best.key}"?)`;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** A schema issue in a person's words: no schema library phrasing reaches the user. */
function explain(issue: z.core.$ZodIssue, path: readonly (string | number)[], input: unknown): string {
  const here = path.reduce<unknown>((node, key) => (typeof node === 'object' && node !== null ? (node as Record<string | number, unknown>)[key] : undefined), input);
  const last = path.at(-1);
  if (issue.code === 'invalid_type') {
    if (here === undefined) return `missing key "${String(last)}"`;
    return `must be ${issue.expected === 'object' ? 'a mapping (key: value lines; is it indented right?)' : issue.expected === 'array' ? 'a list' : `a ${issue.expected}`}, not ${JSON.stringify(here)?.slice(0, 60) ?? 'this'}`;
  }
  if (issue.code === 'invalid_value') return `must be ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}, not ${JSON.stringify(here)?.slice(0, 60) ?? 'this'}`;
  if (issue.code === 'invalid_union' && path[0] === 'clusters') {
    if (typeof here !== 'object' || here === null) return 'a cluster must be a mapping (key: value lines; is it indented right?)';
    const type = (here as { type?: unknown }).type;
    if (type !== undefined && type !== 'eks' && type !== 'kubeconfig') return `"type" must be "eks" or "kubeconfig", not ${JSON.stringify(type)}`;
    const detail = issue.errors.flat().find((e) => type === 'eks' ? true : e.path[0] !== 'type');
    return type === 'eks'
      ? `an EKS cluster needs "name" and "region" (and both or neither of "endpoint" and "caData")${detail === undefined ? '' : `: ${explain(detail, [...path, ...detail.path.filter((p): p is string | number => typeof p !== 'symbol')], input)}`}`
      : 'a kubeconfig cluster takes only "kubeconfig" (file:, ssm: or secretsmanager:) and "context"; an EKS cluster needs "type: eks", "name" and "region"';
  }
  if (issue.code === 'invalid_format' || issue.code === 'too_small' || issue.code === 'too_big' || issue.code === 'custom') return issue.message;
  return issue.message.replace(/^Invalid input:?\s*/, 'not valid: ');
}

function lineOf(doc: ReturnType<typeof parseDocument>, lines: LineCounter, path: (string | number)[]): number | string {
  for (let depth = path.length; depth >= 0; depth -= 1) {
    const node: unknown = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true);
    if (isNode(node) && node.range) return lines.linePos(node.range[0]).line;
  }
  return '?';
}

function formatPath(path: (string | number)[]): string {
  if (path.length === 0) return '(top level)';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}
