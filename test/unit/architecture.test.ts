import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = normalize(join(dirname(fileURLToPath(import.meta.url)), '..', '..'));

/** Every TypeScript file under a folder of the project, as a path relative to the project. */
function filesUnder(folder: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(join(ROOT, dir))) {
      const path = join(dir, name);
      if (statSync(join(ROOT, path)).isDirectory()) walk(path);
      else if (/\.(ts|cts|mts)$/.test(name) && !name.endsWith('.d.ts')) out.push(path);
    }
  };
  walk(folder);
  return out;
}

/** The project files a file imports (relative imports only; packages are not layers). */
function importsOf(file: string): { target: string; typeOnly: boolean }[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const found: { target: string; typeOnly: boolean }[] = [];
  for (const match of text.matchAll(/^\s*(import|export)\s+(type\s+)?[^'";]*?from\s+'(\.{1,2}\/[^']+)'|^\s*import\s+'(\.{1,2}\/[^']+)'/gm)) {
    const spec = match[3] ?? match[4];
    if (spec === undefined) continue;
    const target = normalize(join(dirname(file), spec)).replace(/\.js$/, '.ts');
    found.push({ target, typeOnly: match[2] !== undefined });
  }
  return found;
}

/** Top-level files that are composition roots like container.ts (the review's own, kept apart so no other function wires it). */
const CONTAINERS = ['review-container', 'core-container', 'grant-container', 'webhook-container', 'timer-container', 'sweep-container'];

/** The layer a file of lib/ belongs to: its first folder, or the top-level file's own name. */
function layerOf(file: string): string {
  const parts = relative('lib', file).split('/');
  const layer = parts.length === 1 ? (parts[0] ?? '').replace(/\.ts$/, '') : (parts[0] ?? '');
  return CONTAINERS.includes(layer) ? 'container' : layer;
}

/**
 * What each layer may import (besides itself). The direction is the architecture's: functions →
 * composition roots (container, composition, local) → use cases → ports ← sources/adapters; the
 * domain imports nothing but itself and errors. Transports (http) get their handlers injected and
 * know the use cases' types only.
 */
const UTILITIES = ['errors', 'ids', 'retry', 'deadline'];
const ALLOWED: Record<string, { readonly values: readonly string[]; readonly types?: readonly string[] }> = {
  domain: { values: ['errors'] },
  ports: { values: ['domain', 'errors'] },
  'use-cases': { values: ['ports', 'domain', 'errors', 'ids'] },
  sources: { values: ['ports', 'domain', ...UTILITIES] },
  adapters: { values: ['ports', 'domain', ...UTILITIES] },
  http: { values: ['ports', 'domain', ...UTILITIES], types: ['use-cases'] },
  bundle: { values: ['errors'] },
  errors: { values: [] },
  ids: { values: [] },
  deadline: { values: [] },
  retry: { values: ['deadline', 'errors'] },
  'require-node': { values: [] },
  rbac: { values: ['domain'] },
  kyverno: { values: ['domain', 'rbac'] },
  config: { values: ['domain', 'errors', 'adapters'] },
  composition: { values: ['adapters', 'sources', 'ports', 'domain', 'config', ...UTILITIES] },
  container: { values: ['composition', 'adapters', 'sources', 'ports', 'domain', 'use-cases', 'http', 'config', ...UTILITIES] },
  local: { values: ['container', 'adapters', 'ports', 'domain', 'config', 'http', 'require-node', ...UTILITIES] },
  cli: { values: ['container', 'adapters', 'ports', 'domain', 'use-cases', 'config', 'rbac', 'kyverno', 'require-node', ...UTILITIES] },
  types: { values: [] },
};

function violations(): string[] {
  const found: string[] = [];
  for (const file of filesUnder('lib')) {
    const from = layerOf(file);
    const rule = ALLOWED[from];
    if (rule === undefined) {
      found.push(`${file}: layer "${from}" has no rule in this test`);
      continue;
    }
    for (const { target, typeOnly } of importsOf(file)) {
      if (!target.startsWith('lib/')) {
        found.push(`${file} imports ${target}, outside lib/`);
        continue;
      }
      const to = layerOf(target);
      if (to === from) continue;
      if (rule.values.includes(to) || (typeOnly && rule.types?.includes(to))) continue;
      found.push(`${file} (${from}) imports ${target} (${to})`);
    }
  }
  for (const file of filesUnder('functions')) {
    for (const { target } of importsOf(file)) {
      const to = layerOf(target);
      if (!['container', 'http', 'deadline', 'use-cases', 'domain'].includes(to)) found.push(`${file} (handler) imports ${target} (${to})`);
    }
  }
  return found;
}

describe('architecture', () => {
  it('has every import in lib/ and functions/ point down the layers', () => {
    // Prepare / Act
    const found = violations();
    // Assess
    expect(found).toEqual([]);
  });

  it('finds an upward import when there is one (the check itself works)', () => {
    // Prepare: what a domain file importing an adapter looks like to the rules.
    const rule = ALLOWED['domain'];
    // Act / Assess
    expect(rule?.values.includes(layerOf('lib/adapters/dynamodb/lease-item.ts'))).toBe(false);
    expect(layerOf('lib/adapters/dynamodb/lease-item.ts')).toBe('adapters');
    expect(importsOf('lib/use-cases/grant/grant-access.ts').map((i) => layerOf(i.target))).toContain('domain');
    expect(importsOf('lib/http/webhook-handler.ts').some((i) => i.typeOnly && layerOf(i.target) === 'use-cases')).toBe(true);
  });

  it('imports zod as a namespace: `import { z }` makes the namespace a value, and every bundle then ships all of zod', () => {
    // Prepare / Act
    const named = [...filesUnder('lib'), ...filesUnder('functions')].filter((file) => /^\s*import\s*\{[^}]*\bz\b[^}]*\}\s*from\s*'zod'/m.test(readFileSync(join(ROOT, file), 'utf8')));
    // Assess
    expect(named).toEqual([]);
  });

  it('keeps every file in lib/ at 250 lines or fewer', () => {
    // Prepare / Act
    const long = filesUnder('lib')
      .map((file) => ({ file, lines: readFileSync(join(ROOT, file), 'utf8').split('\n').length }))
      .filter(({ lines }) => lines > 250);
    // Assess
    expect(long).toEqual([]);
  });
});
