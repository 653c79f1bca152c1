import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { parseCatalog } from '../../lib/adapters/catalog/parse-catalog.js';
import { parseDuration } from '../../lib/domain/duration.js';
import { settingsInCode } from '../../tools/docs/config-settings.js';
import { catalogJsonSchema, catalogKeys } from '../../tools/docs/catalog-schema-json.js';
import { fillRegions, GENERATE_COMMAND, generatedFiles, SCHEMA_PATH } from '../../tools/docs/generate.js';

const read = (path: string): string => readFileSync(path, 'utf8');

describe('generated documentation', () => {
  it('is up to date: every generated page and the catalog JSON Schema equal what the code produces', () => {
    // Prepare: the generator must cover the three references and the schema, or an empty map would pass.
    const expected = generatedFiles(read);
    expect([...expected.keys()].sort()).toEqual(['docs/audit-events.md', 'docs/catalog-reference.md', 'docs/configuration.md', SCHEMA_PATH].sort());
    // Act
    const stale = [...expected].filter(([path, content]) => read(path) !== content).map(([path]) => path);
    // Assess
    expect({ stale, fix: stale.length === 0 ? '' : `run ${GENERATE_COMMAND} and commit the result` }).toEqual({ stale: [], fix: '' });
  });

  it('replaces a hand-edited generated region, and only that region', () => {
    // Prepare: the committed page with one generated row changed by hand, and prose outside the region.
    const page = read('docs/configuration.md');
    const edited = page.replace('| `RETRY_ATTEMPTS` | `3` |', '| `RETRY_ATTEMPTS` | `4` |').replace('# Configuration', '# Configuration (edited)');
    expect(edited).not.toBe(page);
    // Act
    const regenerated = fillRegions('docs/configuration.md', edited);
    // Assess
    expect(regenerated).toContain('| `RETRY_ATTEMPTS` | `3` |');
    expect(regenerated).toContain('# Configuration (edited)');
  });

  it('finds the settings in the code with their defaults and bounds, so the table has something to follow', () => {
    // Act
    const settings = settingsInCode();
    // Assess: both kinds of read (schema keys, direct env reads) and the local-mode schema are seen.
    expect([...settings.keys()]).toEqual(expect.arrayContaining(['ACCESS_CATALOG', 'RETRY_MAX_DELAY_MS', 'PORT', 'LOCAL_SWEEP_INTERVAL_MS', 'USER', 'AWS_LAMBDA_FUNCTION_NAME']));
    expect(settings.get('PENDING_GRACE_SECONDS')).toMatchObject({ defaultValue: 120, min: 10, max: 3600 });
    expect(settings.get('SCHEDULER_BACKEND')?.allowed).toEqual(['rules', 'scheduler']);
    expect(settings.get('USER')?.defaultValue).toBe('operator');
  });

  it('describes every catalog key in the JSON Schema editors read', () => {
    // Prepare
    const committed = JSON.parse(read(SCHEMA_PATH)) as ReturnType<typeof catalogJsonSchema>;
    const keys = catalogKeys(committed);
    expect(keys.length).toBeGreaterThan(50);
    // Act
    const undescribed = keys.filter((key) => key.nodes.some((node) => typeof node.description !== 'string' || node.description === '')).map((key) => key.path);
    // Assess
    expect(undescribed).toEqual([]);
  });

  it.each(['deploy/catalog.example.yaml', 'deploy/catalog.local.yaml'])('points editors of %s at the schema, and the catalog still loads', (path) => {
    // Prepare
    const text = read(path);
    // Act
    const firstLine = text.split('\n')[0];
    // Assess: the comment names the committed schema by a path relative to the file, and changes nothing for the parser.
    expect(firstLine).toBe('# yaml-language-server: $schema=../docs/catalog.schema.json');
    expect(() => parseCatalog(text, path)).not.toThrow();
  });

  it('shows only durations the parser accepts', () => {
    // Prepare: the Durations section of the catalog guide.
    const page = read('docs/access-catalog.md');
    const start = page.indexOf('## Durations');
    const section = page.slice(start, page.indexOf('\n## ', start + 1));
    const examples = [...section.matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? '').filter((text) => /\d/.test(text));
    expect(examples).toEqual(expect.arrayContaining(['45s', 'PT90S', '1h30m']));
    // Act
    const refused = examples.filter((text) => !((parseDuration(text) ?? 0) > 0));
    // Assess
    expect(refused).toEqual([]);
  });

  it('lists every stack parameter of serverless.yml on the deploy page', () => {
    // Prepare
    const params = Object.keys((parse(read('serverless.yml')) as { params: { default: Record<string, unknown> } }).params.default);
    expect(params.length).toBeGreaterThan(10);
    const page = read('docs/deploy-aws.md');
    const table = page.slice(page.indexOf('## Parameters'));
    // Act
    const missing = params.filter((name) => !table.includes(`\`${name}\``));
    // Assess
    expect(missing).toEqual([]);
  });
});

describe('the docs generator', () => {
  it('is development tooling: nothing the functions, local mode or the CLI run imports it', () => {
    // Prepare
    const sources = ['lib', 'functions'].flatMap((dir) =>
      readdirSync(dir, { recursive: true, encoding: 'utf8' })
        .filter((path) => path.endsWith('.ts'))
        .map((path) => `${dir}/${path}`),
    );
    expect(sources.length).toBeGreaterThan(50);
    // Act
    const importing = sources.filter((path) => /from\s+['"][./]*tools\//.test(read(path)));
    // Assess
    expect(importing).toEqual([]);
  });
});
