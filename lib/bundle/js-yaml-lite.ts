import { parse } from 'yaml';

/**
 * Stands in for `js-yaml` in the Lambda bundles (esbuild alias in serverless.yml): client-node's
 * KubeConfig only calls `load` on a kubeconfig, and the `yaml` package, which the catalog loader
 * already ships, parses the same YAML 1.2 documents (`<<` a plain key, duplicate keys refused, as
 * js-yaml does). A test compares both on kubeconfigs.
 */
export function load(text: string): unknown {
  return parse(text);
}
