import '../require-node.js';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { parseCatalog } from '../adapters/catalog/parse-catalog.js';
import { kyvernoManifests } from '../kyverno.js';
import { DEFAULT_FUNCTION_GROUP, functionRbac } from '../rbac.js';

// `… | head`, or a consumer that stops reading: the pipe closing early is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

const USAGE = 'usage: npm run -s rbac -- --catalog <file> [--cluster <name>] [--group <name>] [--kyverno]';

/**
 * `npm run -s rbac -- --catalog <file>`: prints, as YAML to apply with kubectl, the RBAC that
 * kube-lease's own identity needs in each catalog cluster (or the one named by --cluster).
 */
function main(argv: string[]): number {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { catalog: { type: 'string' }, cluster: { type: 'string' }, group: { type: 'string' }, kyverno: { type: 'boolean' }, help: { type: 'boolean' } },
      strict: true,
    }));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (values.catalog === undefined) {
    process.stderr.write(`--catalog is required\n${USAGE}\n`);
    return 2;
  }
  let catalog;
  try {
    catalog = parseCatalog(readFileSync(values.catalog, 'utf8'), values.catalog);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  const group = values.group ?? DEFAULT_FUNCTION_GROUP;
  if (values.kyverno) {
    // The same for every cluster: the catalog's roles and longest maximum.
    process.stdout.write('# Kyverno backstop for kube-lease, generated from the catalog by npm run -s rbac -- --kyverno; apply to every catalog cluster\n');
    for (const object of kyvernoManifests(catalog, group)) process.stdout.write(`---\n${stringify(object)}`);
    return 0;
  }
  const clusters = values.cluster === undefined ? Object.keys(catalog.clusters) : [values.cluster];
  for (const cluster of clusters) {
    if (!(cluster in catalog.clusters)) {
      process.stderr.write(`cluster "${cluster}" is not in the catalog (known: ${Object.keys(catalog.clusters).join(', ')})\n`);
      return 2;
    }
    process.stdout.write(`# cluster ${cluster}: apply with the kubeconfig of that cluster\n`);
    for (const object of functionRbac(catalog, cluster, group)) {
      process.stdout.write(`---\n${stringify(object)}`);
    }
  }
  return 0;
}

process.exitCode = main(process.argv.slice(2));
