/**
 * Stands in for the packages client-node's KubeConfig needs only for kubeconfig features a Lambda
 * function cannot use (esbuild aliases in serverless.yml): `proxy-url` (socks, hpagent,
 * socks-proxy-agent), the legacy azure/gcp `auth-provider` plugins, which run the az/gcloud CLIs
 * (jsonpath-plus), and the `oidc` auth-provider's token refresh against the identity provider
 * (openid-client). Reaching any of them fails with this error instead of connecting another way.
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

/** openid-client's `customFetch` option key, which client-node reads to build its discovery options. */
export const customFetch = Symbol('customFetch');

export function discovery(): never {
  return refuse('an oidc auth-provider (refreshing its token at the identity provider)');
}

export function refreshTokenGrant(): never {
  return refuse('an oidc auth-provider (refreshing its token at the identity provider)');
}
