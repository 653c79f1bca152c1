/**
 * Stands in for the packages client-node's KubeConfig needs only for kubeconfig features a Lambda
 * function cannot use (esbuild aliases in serverless.yml): `proxy-url` (socks, hpagent,
 * socks-proxy-agent) and the legacy azure/gcp `auth-provider` plugins, which run the az/gcloud CLIs
 * (jsonpath-plus). Reaching any of them fails with this error instead of connecting another way.
 */
import { UnsupportedKubeconfigError } from '../errors.js';

export { UnsupportedKubeconfigError };

function refuse(feature: string): never {
  throw new UnsupportedKubeconfigError(`${feature} is not supported in the Lambda bundle; give the cluster a kubeconfig without it`);
}

export class SocksClient {
  static createConnection(): never {
    return refuse('a SOCKS proxy (proxy-url: socks…)');
  }
}

export class SocksProxyAgent {
  constructor() {
    refuse('a SOCKS proxy (proxy-url: socks…)');
  }
}

export class HttpProxyAgent {
  constructor() {
    refuse('an HTTP proxy (proxy-url)');
  }
}

export class HttpsProxyAgent {
  constructor() {
    refuse('an HTTP proxy (proxy-url)');
  }
}

export function JSONPath(): never {
  return refuse('an azure or gcp auth-provider (it runs a CLI)');
}
