import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { catalogWarnings } from '../../lib/domain/catalog.js';
import { parseCatalog } from '../../lib/adapters/catalog/parse-catalog.js';
import { ConfigError } from '../../lib/errors.js';
import { DEMO_CATALOG, endingSessions, withAuditLog } from '../support/demo-catalog.js';

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

  it('accepts the local-mode catalog in deploy/: one KUBECONFIG cluster, no warning', () => {
    // Prepare / Act
    const catalog = parseCatalog(readFileSync('deploy/catalog.local.yaml', 'utf8'));
    // Assess
    expect(catalog.clusters).toEqual({ local: {} });
    expect(catalogWarnings(catalog)).toEqual([]);
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
    expect(message).toContain('profiles[1]: unknown key "namspaces" (did you mean "namespaces"?)');
  });

  it('says what is wrong in a person\'s words, at the line of the offending key', () => {
    const typo = problems(DEMO_CATALOG.replace('    defaultDuration: 1h\n', '    defaultDuraton: 1h\n'));
    const line = DEMO_CATALOG.split('\n').findIndex((l) => l.includes('defaultDuration: 1h')) + 1;
    // One mistake, one message: the misspelt required key is not also reported missing.
    expect(typo).toBe(`access catalog is invalid:\n  catalog.yaml:${line} profiles[0]: unknown key "defaultDuraton" (did you mean "defaultDuration"? "defaultDuration" is required here)`);
    expect(problems(DEMO_CATALOG.replace('    cluster: demo\n', ''))).toContain('profiles[0].cluster: missing key "cluster"');
    expect(problems(DEMO_CATALOG.replace('  demo: {}', '  demo:\n    type: EKS\n    name: x\n    region: eu-west-1'))).toContain('clusters.demo: "type" must be "eks" or "kubeconfig", not "EKS"');
    expect(problems(DEMO_CATALOG.replace('  demo: {}', '  demo:\n    type: eks\n    name: x\n  region: eu-west-1'))).toMatch(/clusters\.demo: an EKS cluster needs "name" and "region"[\s\S]*clusters\.region: a cluster must be a mapping/);
    expect(problems(DEMO_CATALOG.replace('kind: ClusterRole, name: view', 'kind: clusterrole, name: view'))).toContain('roleRef.kind: must be "Role" or "ClusterRole", not "clusterrole"');
    expect(problems(DEMO_CATALOG.replace('namespaces: [payments, payments-worker]', 'namespaces: [payments, payments]'))).toContain('lists namespace "payments" twice');
    // A role name kube-lease could not read back from its own lease record (issue 23, review 3).
    for (const name of ['"pod reader"', '"view\u200b"', '"a/b"']) expect(problems(DEMO_CATALOG.replace('kind: ClusterRole, name: view', `kind: ClusterRole, name: ${name}`))).toContain('roleRef.name: not a Role or ClusterRole name');
    for (const text of [typo]) expect(text).not.toMatch(/Invalid input|expected string, received/);
  });

  it('suggests only keys known where the unknown one is, never the key itself', () => {
    // Prepare: "profile" is a key of jira.fields, but not of a profile nor of the top level.
    const inProfile = problems(DEMO_CATALOG.replace('  - name: payments-read\n', '  - name: payments-read\n    profile: x\n'));
    const onTop = problems(DEMO_CATALOG.replace('version: 1\n', 'version: 1\nprofile: x\n'));
    const inAuditLog = problems(withAuditLog(DEMO_CATALOG, '/var/log/audit.log', '1m').replace('delay: 1m', 'delai: 1m'));
    const inEks = problems(DEMO_CATALOG.replace('  demo: {}', '  demo:\n    type: eks\n    name: x\n    region: eu-west-1\n    regon: eu-west-1'));
    // Assess
    expect(inProfile).toMatch(/profiles\[0\]: unknown key "profile" \(keys here: name, description, cluster, namespaces, roleRef, /);
    expect(inProfile).not.toContain('did you mean');
    expect(onTop).toContain('(top level): unknown key "profile" (did you mean "profiles"?)');
    expect(inAuditLog).toContain('clusters.demo.auditLog: unknown key "delai" (did you mean "delay"?)');
    expect(inEks).toContain('clusters.demo: unknown key "regon" (did you mean "region"?)');
    for (const text of [inProfile, onTop, inAuditLog, inEks]) expect(text.split('\n')).toHaveLength(2);
  });

  it('warns of clusters no profile uses and of a Jira section without projects', () => {
    const catalog = parseCatalog(DEMO_CATALOG.replace('  demo: {}', '  demo: {}\n  spare: {}'));
    expect(catalogWarnings(catalog)).toEqual(['cluster "spare" is used by no profile', 'jira.projects is not set: issues of every Jira project may request access']);
  });

  it('reports invalid YAML with its line', () => {
    expect(problems('version: 1\nprofiles: [\n')).toMatch(/not valid YAML:\n\s+catalog.yaml:\d+/);
  });

  it('reads a cluster\'s audit log (delay in seconds, defaults by type) and refuses ending sessions without one, or for a Group subject', () => {
    // Prepare
    const audited = DEMO_CATALOG.replace('  demo: {}', '  demo:\n    auditLog: { type: cloudwatch, logGroup: /aws/eks/demo/cluster }');
    const group = (text: string) => text.replace('subject:\n  kind: User\n  name: "{email}"', 'subject:\n  kind: Group\n  name: "oidc:{emailLocalPart}"');
    // Act
    const catalog = parseCatalog(endingSessions(audited));
    // Assess
    expect(catalog.clusters['demo']?.auditLog).toEqual({ type: 'cloudwatch', logGroup: '/aws/eks/demo/cluster', delay: 300 });
    expect(catalog.profiles[1]?.onRevoke).toEqual({ sessions: 'end', streams: ['exec', 'attach', 'proxy'], podsPerController: 1 });
    expect(problems(endingSessions(DEMO_CATALOG))).toContain('profiles[1].onRevoke.sessions: ending sessions needs the audit log of cluster "demo"');
    expect(problems(group(endingSessions(audited)))).toContain('ending sessions needs a User subject: the audit log names users');
    expect(catalogWarnings(parseCatalog(group(audited)))).toContain('profile "payments-read" binds a Group: the audit log names users, so its leases get no activity evidence and no session list');
    expect(problems(audited.replace('logGroup: /aws/eks/demo/cluster', 'logGroup: "bad group!"'))).toContain('not a CloudWatch Logs log group name');
  });

  it('reads which stream kinds end sessions and how many pods per controller a revoke evicts (defaults: exec, attach and proxy, 1), and refuses bad values', () => {
    // Prepare
    const audited = endingSessions(DEMO_CATALOG.replace('  demo: {}', '  demo:\n    auditLog: { type: cloudwatch, logGroup: /aws/eks/demo/cluster }'));
    const options = (text: string) => audited.replace('onRevoke: { sessions: end }', `onRevoke: { sessions: end, ${text} }`);
    // Act
    const chosen = parseCatalog(options('streams: [exec, portforward], podsPerController: 2'));
    // Assess
    expect(chosen.profiles[1]?.onRevoke).toEqual({ sessions: 'end', streams: ['exec', 'portforward'], podsPerController: 2 });
    expect(problems(options('streams: []'))).toContain('profiles[1].onRevoke.streams');
    expect(problems(options('streams: [exec, exec]'))).toContain('lists a stream kind twice');
    expect(problems(options('streams: [logs]'))).toContain('profiles[1].onRevoke.streams[0]');
    expect(problems(options('podsPerController: 0'))).toContain('profiles[1].onRevoke.podsPerController');
    expect(problems(options('podsPerController: 11'))).toContain('profiles[1].onRevoke.podsPerController');
    expect(problems(options('podsPerController: 1.5'))).toContain('profiles[1].onRevoke.podsPerController');
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
