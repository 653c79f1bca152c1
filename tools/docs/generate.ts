import { auditEventSchema, AUDIT_FIELDS, AUDIT_REQUIRED_FIELDS } from '../../lib/domain/audit-schema.js';
import * as z from 'zod';
import { AUDIT_EXAMPLES } from './audit-examples.js';
import { AUDIT_FIELD_DESCRIPTIONS, AUDIT_KIND_DESCRIPTIONS } from './audit-descriptions.js';
import { CATALOG_DESCRIPTIONS } from './catalog-descriptions.js';
import { catalogJsonSchema, catalogKeys, type JsonSchemaNode } from './catalog-schema-json.js';
import { SETTING_DESCRIPTIONS } from './config-descriptions.js';
import { settingsInCode } from './config-settings.js';

/**
 * The reference parts of the docs, generated from the code so they cannot drift: the configuration
 * table (from the environment schemas), the catalog reference and its JSON Schema (from the zod
 * schema) and the audit event reference (from the audit schema). `npm run docs:gen` writes them;
 * test/unit/docs-generated.test.ts fails when a committed file differs from what this produces.
 *
 * Markdown pages keep their prose: only the text between `<!-- generated: <name> -->` and
 * `<!-- end generated -->` is replaced. Development tooling: nothing under lib/ imports it.
 */

export const GENERATE_COMMAND = 'npm run -s docs:gen';
export const SCHEMA_PATH = 'docs/catalog.schema.json';

/** A problem that stops generation: the code and the descriptions disagree. */
export class DocsGenerationError extends Error {
  override readonly name = 'DocsGenerationError';
}

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const code = (value: unknown): string => `\`${typeof value === 'string' ? value : JSON.stringify(value)}\``;

/** Names in `have` missing from `described`, and described names `have` lacks, as one error. */
function requireSameNames(what: string, have: readonly string[], described: readonly string[], file: string): void {
  const missing = have.filter((name) => !described.includes(name));
  const stale = described.filter((name) => !have.includes(name));
  if (missing.length === 0 && stale.length === 0) return;
  const lines = [
    ...missing.map((name) => `  ${name}: in the code, not described: add it to ${file}`),
    ...stale.map((name) => `  ${name}: described, no longer in the code: remove it from ${file}`),
  ];
  throw new DocsGenerationError(`${what}:\n${lines.join('\n')}`);
}

/** The configuration tables, one per group. */
export function configurationTables(): string {
  const settings = settingsInCode();
  requireSameNames('environment variables', [...settings.keys()], Object.keys(SETTING_DESCRIPTIONS), 'tools/docs/config-descriptions.ts');
  const groups = [...new Set(Object.values(SETTING_DESCRIPTIONS).map((d) => d.group))];
  return groups
    .map((group) => {
      const rows = Object.entries(SETTING_DESCRIPTIONS)
        .filter(([, d]) => d.group === group)
        .map(([name, d]) => {
          const s = settings.get(name);
          const unit = d.unit === undefined ? '' : ` ${d.unit}`;
          let limits = d.limits ?? '';
          if (s?.allowed !== undefined) limits = s.allowed.map(code).join(' or ');
          else if (s?.min !== undefined && s.max !== undefined) limits = `${s.min}–${s.max}${unit}`;
          else if (s?.min !== undefined) limits = `at least ${s.min}${unit}`;
          const fallback = s?.defaultValue !== undefined ? code(s.defaultValue) : (d.defaultText ?? '');
          return `| \`${name}\` | ${cell(fallback)} | ${cell(limits)} | ${cell(d.meaning)} |`;
        });
      return [`**${group}**`, '', '| variable | default | limits | meaning |', '|---|---|---|---|', ...rows].join('\n');
    })
    .join('\n\n');
}

/** The catalog's JSON Schema, each key with its description, as committed for editors. */
export function catalogSchemaFile(): string {
  const schema = catalogJsonSchema();
  const keys = catalogKeys(schema);
  requireSameNames('catalog keys', keys.map((k) => k.path), Object.keys(CATALOG_DESCRIPTIONS), 'tools/docs/catalog-descriptions.ts');
  for (const key of keys) for (const node of key.nodes) node.description = CATALOG_DESCRIPTIONS[key.path];
  const withTitle = { $schema: schema.$schema, title: 'kube-lease access catalog', ...schema };
  return `${JSON.stringify(withTitle, null, 2)}\n`;
}

/** A short type for a JSON Schema node: `string`, `` `a` or `b` ``, `string[]`, `object`. */
function typeOf(node: JsonSchemaNode): string {
  if (node.const !== undefined) return code(node.const);
  if (node.enum !== undefined) return node.enum.map(code).join(' or ');
  if (node.anyOf !== undefined) return [...new Set(node.anyOf.map(typeOf))].join(' or ');
  if (node.type === 'array') return node.items === undefined ? 'list' : `list of ${typeOf(node.items)}`;
  if (node.type === 'object' && typeof node.additionalProperties === 'object') return 'map of name → object';
  if (node.type === 'integer') return 'whole number';
  return typeof node.type === 'string' ? node.type : 'value';
}

/** Constraints a reader needs: pattern, lengths, bounds. */
function limitsOf(node: JsonSchemaNode): string {
  const items = node.type === 'array' && node.items !== undefined ? node.items : undefined;
  const parts: string[] = [];
  if (node.minItems !== undefined) parts.push(`at least ${node.minItems} item${node.minItems === 1 ? '' : 's'}`);
  const target = items ?? node;
  if (target.pattern !== undefined) parts.push(`matches \`${target.pattern}\``);
  if (target.minLength !== undefined && target.minLength > 1) parts.push(`at least ${target.minLength} characters`);
  if (target.maxLength !== undefined) parts.push(`at most ${target.maxLength} characters`);
  if (node.minimum !== undefined) parts.push(`≥ ${node.minimum}`);
  if (node.maximum !== undefined) parts.push(`≤ ${node.maximum}`);
  return parts.join('; ');
}

/** The catalog reference table: every key with type, required/default, limits and meaning. */
export function catalogReferenceTable(): string {
  const keys = catalogKeys(catalogJsonSchema());
  requireSameNames('catalog keys', keys.map((k) => k.path), Object.keys(CATALOG_DESCRIPTIONS), 'tools/docs/catalog-descriptions.ts');
  const rows = keys.map((key) => {
    const node = key.nodes[0] ?? {};
    const type = [...new Set(key.nodes.map(typeOf))].join(' or ');
    const found = key.nodes.find((n) => n.default !== undefined);
    const requirement = found !== undefined ? `default ${code(found.default)}` : key.required ? 'required' : '';
    return `| \`${key.path}\` | ${cell(type)} | ${cell(requirement)} | ${cell(limitsOf(node))} | ${cell(CATALOG_DESCRIPTIONS[key.path] ?? '')} |`;
  });
  return ['| key | type | required / default | limits | meaning |', '|---|---|---|---|---|', ...rows].join('\n');
}

/** The fields table: every field an event may carry, with its type from the schema. */
export function auditFieldsTable(): string {
  requireSameNames('audit fields', [...AUDIT_FIELDS], Object.keys(AUDIT_FIELD_DESCRIPTIONS), 'tools/docs/audit-descriptions.ts');
  const json = z.toJSONSchema(auditEventSchema, { unrepresentable: 'any' }) as { anyOf?: JsonSchemaNode[]; oneOf?: JsonSchemaNode[] };
  const branches = json.oneOf ?? json.anyOf ?? [];
  const fieldType = (field: string): string => {
    if (field === 'kind') return Object.keys(AUDIT_REQUIRED_FIELDS).map(code).join(', ');
    const node = branches.map((b) => b.properties?.[field]).find((n) => n !== undefined) ?? {};
    if (node.format === 'date-time') return 'ISO 8601 date-time';
    if (node.type === 'object') return `object: ${Object.keys(node.properties ?? {}).map(code).join(', ')}`;
    if (node.pattern !== undefined && node.type === 'string') return `string matching \`${node.pattern}\``;
    return typeOf(node);
  };
  const rows = AUDIT_FIELDS.map((field) => `| \`${field}\` | ${cell(fieldType(field))} | ${cell(AUDIT_FIELD_DESCRIPTIONS[field] ?? '')} |`);
  return ['| field | type | meaning |', '|---|---|---|', ...rows].join('\n');
}

/** The kinds table: what each kind always carries, from the schema. */
export function auditKindsTable(): string {
  const kinds = Object.keys(AUDIT_REQUIRED_FIELDS);
  requireSameNames('audit kinds', kinds, Object.keys(AUDIT_KIND_DESCRIPTIONS), 'tools/docs/audit-descriptions.ts');
  const rows = Object.entries(AUDIT_REQUIRED_FIELDS).map(
    ([kind, fields]) => `| \`${kind}\` | ${fields.map(code).join(', ')} | ${cell(AUDIT_KIND_DESCRIPTIONS[kind] ?? '')} |`,
  );
  return ['| kind | always carries | meaning |', '|---|---|---|', ...rows].join('\n');
}

/** One valid example per kind, as the JSON lines kube-lease writes. */
export function auditExamples(): string {
  const kinds = Object.keys(AUDIT_REQUIRED_FIELDS);
  requireSameNames('audit examples', kinds, AUDIT_EXAMPLES.map((e) => String(e.kind)), 'tools/docs/audit-examples.ts');
  const problems = AUDIT_EXAMPLES.flatMap((example) => {
    const parsed = auditEventSchema.safeParse(example);
    return parsed.success ? [] : parsed.error.issues.map((i) => `  ${String(example.kind)} ${i.path.join('.')}: ${i.message}`);
  });
  if (problems.length > 0) throw new DocsGenerationError(`audit examples that the schema refuses (fix tools/docs/audit-examples.ts):\n${problems.join('\n')}`);
  return ['```json', ...AUDIT_EXAMPLES.map((e) => JSON.stringify({ audit: true, ...e })), '```'].join('\n');
}

/** The generated regions of each Markdown page. */
export const REGIONS: Readonly<Record<string, Readonly<Record<string, () => string>>>> = {
  'docs/configuration.md': { 'config-tables': configurationTables },
  'docs/catalog-reference.md': { 'catalog-keys': catalogReferenceTable },
  'docs/audit-events.md': { 'audit-fields': auditFieldsTable, 'audit-kinds': auditKindsTable, 'audit-examples': auditExamples },
};

/** Replaces each generated region of `text` with fresh content; a region missing from the page is an error. */
export function fillRegions(path: string, text: string): string {
  let result = text;
  for (const [name, render] of Object.entries(REGIONS[path] ?? {})) {
    const start = `<!-- generated: ${name} (${GENERATE_COMMAND}; do not edit) -->`;
    const end = '<!-- end generated -->';
    const from = result.indexOf(start);
    const to = from < 0 ? -1 : result.indexOf(end, from);
    if (from < 0 || to < 0) throw new DocsGenerationError(`${path} lost its generated region "${name}": restore the line ${start} and ${end}`);
    result = `${result.slice(0, from + start.length)}\n${render()}\n${result.slice(to)}`;
  }
  return result;
}

/** Every generated file's expected content, given the current content of each page. */
export function generatedFiles(read: (path: string) => string): Map<string, string> {
  const files = new Map<string, string>();
  for (const path of Object.keys(REGIONS)) files.set(path, fillRegions(path, read(path)));
  files.set(SCHEMA_PATH, catalogSchemaFile());
  return files;
}
