import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from '@jest/globals';

const run = promisify(execFile);

/**
 * The kubectl plugin from a clone, as docs/requesting-access.md sets it up: with `bin/` on PATH,
 * `kubectl-lease` (what `kubectl lease` runs) and `kubectl_complete-lease` (what kubectl's
 * completion runs) are found by name and work.
 */
describe('kubectl lease (the plugin form)', () => {
  const shell = (command: string, env: Record<string, string> = {}) =>
    run('sh', ['-c', `export PATH="$PWD/bin:$PATH"; ${command}`], { env: { ...process.env, ...env, KUBE_LEASE_CATALOG: 'deploy/catalog.local.yaml' }, timeout: 120_000 });

  it('is a bin of the package and runs from PATH as kubectl-lease', async () => {
    expect((JSON.parse(readFileSync('package.json', 'utf8')) as { bin: Record<string, string> }).bin['kubectl-lease']).toBe('bin/kubectl-lease');
    const { stdout } = await shell('kubectl-lease profiles --json');
    expect((JSON.parse(stdout) as { name: string }[]).map((p) => p.name)).toEqual(['payments-read']);
  }, 150_000);

  it('completes for kubectl: candidates, then cobra\'s no-file directive', async () => {
    const { stdout } = await shell('kubectl_complete-lease request payments-read --namespaces payments-');
    expect(stdout).toBe('payments-worker\n:4\n');
  }, 150_000);
});
