import * as z from 'zod';
import { catalogSchema } from '../../lib/adapters/catalog/catalog-schema.js';

/** A JSON Schema node, as far as the generator reads it. */
export interface JsonSchemaNode {
  type?: string | string[];
  description?: string;
  properties?: Record<string, JsonSchemaNode>;
  required?: string[];
  items?: JsonSchemaNode;
  additionalProperties?: JsonSchemaNode | boolean;
  propertyNames?: JsonSchemaNode;
  anyOf?: JsonSchemaNode[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  minimum?: number;
  maximum?: number;
  [key: string]: unknown;
}

/** The catalog's zod schema as JSON Schema (what a YAML file may hold: durations are strings). */
export function catalogJsonSchema(): JsonSchemaNode {
  return z.toJSONSchema(catalogSchema, { io: 'input', unrepresentable: 'any', target: 'draft-07' }) as JsonSchemaNode;
}

/** One key of the catalog, by its path (`profiles[].roleRef.name`, `clusters.<name>.type`). */
export interface CatalogKey {
  readonly path: string;
  readonly nodes: JsonSchemaNode[];
  readonly required: boolean;
}

/** Every key the schema describes, depth first, in the schema's order; a union's branches share a path. */
export function catalogKeys(root: JsonSchemaNode): CatalogKey[] {
  const keys = new Map<string, { nodes: JsonSchemaNode[]; required: boolean[] }>();
  const walk = (node: JsonSchemaNode, path: string): void => {
    for (const branch of node.anyOf ?? []) walk(branch, path);
    if (node.items !== undefined) walk(node.items, `${path}[]`);
    if (typeof node.additionalProperties === 'object') walk(node.additionalProperties, `${path}.<name>`);
    for (const [name, child] of Object.entries(node.properties ?? {})) {
      const childPath = path === '' ? name : `${path}.${name}`;
      const entry = keys.get(childPath) ?? { nodes: [], required: [] };
      entry.nodes.push(child);
      entry.required.push((node.required ?? []).includes(name));
      keys.set(childPath, entry);
      walk(child, childPath);
    }
  };
  walk(root, '');
  return [...keys].map(([path, { nodes, required }]) => ({ path, nodes, required: required.every(Boolean) }));
}
