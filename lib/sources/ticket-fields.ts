import * as z from 'zod';
import { REQUEST_FIELDS, type RequestField } from '../domain/ticket.js';

/*
 * Field readers shared by every ticket source: ITSM APIs give custom fields as plain text, numbers,
 * select options or lists, and the catalog's mapping names which field holds what.
 */

/** A custom field's text: plain strings, numbers, select options (`{ value }`), named objects (`{ name }`). */
function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'object' && value !== null) {
    const named = z.looseObject({ value: z.string().optional(), name: z.string().optional() }).safeParse(value);
    if (named.success) return named.data.value ?? named.data.name;
  }
  return undefined;
}

/** A single-valued field (profile, duration). A list yields its first element. */
export function fieldText(value: unknown): string | undefined {
  if (Array.isArray(value)) return value.length > 0 ? scalarText(value[0]) : undefined;
  return scalarText(value)?.trim() || undefined;
}

/** A list-valued field (namespaces): a multi-select, labels, or text separated by commas or spaces. */
export function fieldList(value: unknown): string[] | undefined {
  if (value === null || value === undefined) return undefined;
  const parts = Array.isArray(value) ? value.map(scalarText) : (scalarText(value) ?? '').split(/[\s,;]+/);
  const list = parts.filter((p): p is string => p !== undefined).map((p) => p.trim()).filter((p) => p !== '');
  return list.length > 0 ? list : undefined;
}

/**
 * The ITSM field (id or name) that carries each request field of the catalog's mapping: what an
 * approval binds, and whose edits after it void it.
 */
export function requestFieldIds(fields: Readonly<Partial<Record<RequestField, string>>>): Record<RequestField, string | undefined> {
  return Object.fromEntries(REQUEST_FIELDS.map((name) => [name, fields[name]])) as Record<RequestField, string | undefined>;
}
