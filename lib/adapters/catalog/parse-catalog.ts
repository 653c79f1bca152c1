import * as z from 'zod';
import { LineCounter, parseDocument, isNode } from 'yaml';
import type { Catalog } from '../../domain/catalog.js';
import { ConfigError } from '../../errors.js';
import { catalogSchema } from './catalog-schema.js';

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
  const issues = result.error.issues.map((issue) => ({ issue, path: issue.path.filter((p): p is string | number => typeof p !== 'symbol') }));
  // A misspelt required key is one mistake: the unknown key's line says it, not also a "missing key" line.
  const answered = new Set<string>();
  const unknownKeys = issues.flatMap(({ issue, path }) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => {
          const near = nearestKey(key, keysAt(catalogSchema, path));
          const missing = near !== undefined && issues.some((other) => other.issue.code === 'invalid_type' && valueAt(input, other.path) === undefined && sameKeyPath(other.path, [...path, near]));
          if (missing) answered.add(formatPath([...path, near]));
          return { key, path, near, missing };
        })
      : [],
  );
  const problems = issues.flatMap(({ issue, path }) => {
    if (issue.code === 'unrecognized_keys') {
      // One line per key, at the key itself, with the nearest key known at that place.
      return unknownKeys
        .filter((u) => u.path === path)
        .map((u) => `${sourceName}:${lineOf(doc, lineCounter, [...path, u.key])} ${formatPath(path)}: unknown key "${u.key}"${hint(u.near, u.missing, keysAt(catalogSchema, path))}`);
    }
    if (answered.has(formatPath(path)) && issue.code === 'invalid_type' && valueAt(input, path) === undefined) return [];
    return [`${sourceName}:${lineOf(doc, lineCounter, path)} ${formatPath(path)}: ${explain(issue, path, input)}`];
  });
  throw new ConfigError(`access catalog is invalid:\n  ${problems.join('\n  ')}`, { cause: result.error });
}

function sameKeyPath(a: readonly (string | number)[], b: readonly (string | number)[]): boolean {
  return a.length === b.length && a.every((p, i) => p === b[i]);
}

function valueAt(input: unknown, path: readonly (string | number)[]): unknown {
  return path.reduce<unknown>((node, key) => (typeof node === 'object' && node !== null ? (node as Record<string | number, unknown>)[key] : undefined), input);
}

/**
 * The keys the schema takes at `path` (a mapping in the catalog): through optional, default and
 * piped schemas, into list items and record values, and over every branch of a union (a cluster
 * is EKS or kubeconfig).
 */
function keysAt(schema: z.core.$ZodType, path: readonly (string | number)[]): readonly string[] {
  const keys = new Set<string>();
  const visit = (node: z.core.$ZodType, rest: readonly (string | number)[]): void => {
    const def = node._zod.def;
    switch (def.type) {
      case 'optional':
      case 'default':
      case 'prefault':
      case 'nullable':
      case 'readonly':
      case 'nonoptional':
        visit((def as z.core.$ZodOptionalDef).innerType, rest);
        return;
      case 'pipe':
        visit((def as z.core.$ZodPipeDef).in, rest);
        return;
      case 'union':
        for (const option of (def as z.core.$ZodUnionDef).options) visit(option, rest);
        return;
      case 'array':
        if (typeof rest[0] === 'number') visit((def as z.core.$ZodArrayDef).element, rest.slice(1));
        return;
      case 'record':
        if (rest.length > 0) visit((def as z.core.$ZodRecordDef).valueType, rest.slice(1));
        return;
      case 'object': {
        const shape = (def as z.core.$ZodObjectDef).shape;
        const [head, ...tail] = rest;
        if (head === undefined) for (const key of Object.keys(shape)) keys.add(key);
        else if (typeof head === 'string' && Object.hasOwn(shape, head)) {
          const child = shape[head];
          if (child !== undefined) visit(child, tail);
        }
        return;
      }
      default:
        return;
    }
  };
  visit(schema, path);
  return [...keys];
}

/** The known key nearest to a misspelt one (never the key itself), if one is near enough to be meant. */
function nearestKey(key: string, known: readonly string[]): string | undefined {
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    if (candidate === key) continue;
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance <= Math.max(1, Math.floor(candidate.length / 4)) && (best === undefined || distance < best.distance)) best = { key: candidate, distance };
  }
  return best?.key;
}

function hint(near: string | undefined, missing: boolean, known: readonly string[]): string {
  if (near !== undefined) return ` (did you mean "${near}"?${missing ? ` "${near}" is required here` : ''})`;
  return known.length === 0 ? '' : ` (keys here: ${known.join(', ')})`;
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
