import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { parseCatalog } from '../../lib/catalog.js';
import { ConfigError } from '../../lib/errors.js';
import { DEMO_CATALOG } from '../support/demo-catalog.js';

function problems(text: string): string {
  try {
    parseCatalog(text, 'catalog.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('catalog was accepted');
}

describe('parseCatalog', () => {
  it('accepts the example catalog shipped in deploy/ and reads durations as seconds', () => {
    const catalog = parseCatalog(readFileSync('deploy/catalog.example.yaml', 'utf8'));
    expect(catalog.profiles.map((p) => p.name)).toEqual(['payments-read', 'payments-debug']);
    expect(catalog.profiles[0]?.maxDuration).toBe(4 * 3600);
    expect(catalog.jira?.fields.requester).toBe('reporter');
  });

  it('refuses to bind cluster-admin and names the line and field', () => {
    const text = DEMO_CATALOG.replace('roleRef: { kind: ClusterRole, name: view }', 'roleRef: { kind: ClusterRole, name: cluster-admin }');
    const line = text.split('\n').findIndex((l) => l.includes('cluster-admin')) + 1;
    expect(problems(text)).toContain(`catalog.yaml:${line} profiles[0].roleRef.name: role "cluster-admin" may never be bound`);
  });

  it('refuses roles in its own forbidden list, case-insensitively', () => {
    const text = `forbiddenRoles: [View]\n${DEMO_CATALOG}`;
    expect(problems(text)).toContain('role "view" may never be bound');
  });

  it('reports unknown clusters, bad durations, default over max, typos in keys and duplicate names', () => {
    const text = DEMO_CATALOG.replace('cluster: demo\n    namespaces: [payments, payments-worker]', 'cluster: nowhere\n    namespaces: [payments, payments-worker]')
      .replace('maxDuration: 4h', 'maxDuration: forever')
      .replace('defaultDuration: 30m', 'defaultDuration: 3h')
      .replace('name: payments-debug', 'name: payments-read\n    namspaces: [x]');
    const message = problems(text);
    expect(message).toContain('profiles[0].cluster: unknown cluster "nowhere"');
    expect(message).toContain('profiles[0].maxDuration: not a duration');
    expect(message).toContain('profiles[1].defaultDuration: must be longer than zero and at most maxDuration');
    expect(message).toContain('duplicate profile name "payments-read"');
    expect(message).toMatch(/Unrecognized key.*namspaces/);
  });

  it('reports invalid YAML with its line', () => {
    expect(problems('version: 1\nprofiles: [\n')).toMatch(/not valid YAML:\n\s+catalog.yaml:\d+/);
  });

  it('rejects unknown subject placeholders', () => {
    expect(problems(DEMO_CATALOG.replace('"{email}"', '"{password}"'))).toContain('subject.name: unknown placeholder');
  });

  it('rejects a missing field mapping', () => {
    expect(problems(DEMO_CATALOG.replace('    profile: customfield_10100\n', ''))).toContain('jira.fields.profile');
  });

  it('refuses protected namespaces unless the profile names them', () => {
    const text = DEMO_CATALOG.replace('namespaces: [payments, payments-worker]', 'namespaces: [payments, kube-system]');
    expect(problems(text)).toContain('profiles[0].namespaces: protected namespace(s) kube-system: name them in allowProtectedNamespaces');
    const allowed = text.replace('    defaultDuration: 1h\n', '    allowProtectedNamespaces: [kube-system]\n    defaultDuration: 1h\n');
    expect(parseCatalog(allowed).profiles[0]?.namespaces).toContain('kube-system');
    expect(problems(`protectedNamespaces: [payments]\n${DEMO_CATALOG}`)).toContain('protected namespace(s) payments');
  });

  it('refuses patterns the linear-time engine cannot run (backreferences, lookaheads)', () => {
    for (const pattern of ['^(INC)\\\\1', '^(?=INC)\\\\w+']) {
      const text = DEMO_CATALOG.replace('    defaultDuration: 1h\n', `    justification: { pattern: "${pattern}" }\n    defaultDuration: 1h\n`);
      expect(problems(text)).toContain('runs in linear time');
    }
  });

  it('rejects a justification pattern that is not a regular expression', () => {
    const text = DEMO_CATALOG.replace('    defaultDuration: 1h\n', '    justification: { pattern: "(" }\n    defaultDuration: 1h\n');
    expect(problems(text)).toContain('profiles[0].justification.pattern: not a regular expression that runs in linear time (no backreferences or lookaheads)');
  });
});
