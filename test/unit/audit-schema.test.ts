import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { AUDIT_FIELDS, AUDIT_REQUIRED_FIELDS, auditEventSchema } from '../../lib/domain/audit-schema.js';

/** The README's "Audit events" section: the documentation consumers build on. */
const section = (() => {
  const readme = readFileSync('README.md', 'utf8');
  const start = readme.indexOf('## Audit events');
  return readme.slice(start, readme.indexOf('\n## ', start + 1));
})();

/** The example events: the JSON lines of the section's code block, without the `"audit": true` marker. */
const examples = section
  .split('\n')
  .filter((line) => line.startsWith('{"audit":true'))
  .map((line) => {
    const { audit: _marker, ...event } = JSON.parse(line) as Record<string, unknown>;
    return event;
  });

describe('audit event schema', () => {
  it('has a valid README example for every kind', () => {
    expect(examples.map((e) => e.kind).sort()).toEqual(Object.keys(AUDIT_REQUIRED_FIELDS).sort());
    for (const example of examples) {
      const parsed = auditEventSchema.safeParse(example);
      expect({ kind: example.kind, issues: parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) }).toEqual({ kind: example.kind, issues: [] });
    }
  });

  it('is documented field by field, and kind by kind with the fields each always carries', () => {
    for (const field of AUDIT_FIELDS) expect(section).toContain(`| \`${field}\` |`);
    for (const [kind, required] of Object.entries(AUDIT_REQUIRED_FIELDS)) {
      const row = section.split('\n').find((line) => line.startsWith(`| \`${kind}\` |`)) ?? '';
      const listed = [...row.split('|')[2]?.matchAll(/`([a-zA-Z]+)`/g) ?? []].map((m) => m[1]);
      expect({ kind, listed: listed.sort() }).toEqual({ kind, listed: [...required].sort() });
    }
  });

  it.each([
    ['an unknown field', { password: 'x' }],
    ['an unknown kind', { kind: 'granted' }],
    ['a time that is not ISO-8601', { at: 'yesterday' }],
    ['a lease id of another shape', { leaseId: 'abc' }],
    ['a missing field its kind always carries', { requester: undefined }],
    ['an empty ticket key', { ticket: '' }],
  ])('rejects %s', (_label, change) => {
    const grant = examples.find((e) => e.kind === 'grant') ?? {};
    expect(auditEventSchema.safeParse({ ...grant, ...change }).success).toBe(false);
  });
});
