import { spawnSync } from 'node:child_process';
import { describe, expect, it } from '@jest/globals';

/** Makes this Node report itself as Node 20 before anything else loads, as an older install would. */
const AS_NODE_20 = 'data:text/javascript,Object.defineProperty(process.versions,"node",{value:"20.11.0"})';

describe('entry points on a Node older than 22', () => {
  it.each([
    ['the CLI launcher (npx kube-lease)', ['lib/cli/kube-lease.mjs', 'leases', 'list']],
    ['local mode (npm start)', ['--import', 'tsx', 'lib/local/start.ts']],
    ['the rbac generator', ['--import', 'tsx', 'lib/cli/rbac.ts', '--catalog', 'deploy/catalog.example.yaml']],
  ])('%s says Node 22 is needed, in one line, and exits 1', (_what, args) => {
    // Act
    const result = spawnSync(process.execPath, ['--import', AS_NODE_20, ...args], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, ACCESS_CATALOG: '' } });
    // Assess
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toMatch(/^kube-lease: Node\.js 22 or newer is needed, this is v\d+\.\d+\.\d+\./);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});
