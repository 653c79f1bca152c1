import { loadStoreConfig, type StoreConfig } from '../config.js';

const UNREACHABLE = ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT'];
const UNREACHABLE_TEXT = new RegExp(`\\b(${UNREACHABLE.join('|')})\\b`);

/**
 * Names and codes along an error's cause chain (the SDK's exception sits under our LeaseStoreError).
 * A socket error's code is also taken from its message: the SDK's retry layer re-wraps an error
 * from another realm as a plain Error ("AWS SDK error wrapper for Error: connect ECONNREFUSED …").
 */
function causes(error: unknown): { readonly names: Set<string>; readonly codes: Set<string> } {
  const names = new Set<string>();
  const codes = new Set<string>();
  let current: unknown = error;
  for (let depth = 0; depth < 8 && typeof current === 'object' && current !== null; depth += 1) {
    const { name, code, message } = current as { name?: unknown; code?: unknown; message?: unknown };
    if (typeof name === 'string') names.add(name);
    if (typeof code === 'string') codes.add(code);
    const inText = typeof message === 'string' ? UNREACHABLE_TEXT.exec(message)?.[1] : undefined;
    if (inText !== undefined) codes.add(inText);
    current = (current as { cause?: unknown }).cause;
  }
  return { names, codes };
}

/** Where the CLI looked for the lease table, in the settings' own words. */
export function storeLocation(config: StoreConfig): string {
  return config.dynamodbEndpoint === undefined
    ? `table "${config.leasesTable}" (LEASES_TABLE) in DynamoDB in ${config.region} (AWS_REGION; no DYNAMODB_ENDPOINT set)`
    : `table "${config.leasesTable}" (LEASES_TABLE) at DYNAMODB_ENDPOINT ${config.dynamodbEndpoint}`;
}

/**
 * What to do about a failure to read the lease table, naming the table, the endpoint and the
 * settings to change; undefined when the failure is not one of those (the error itself is then
 * all there is to say).
 */
export function storeHint(error: unknown, config: StoreConfig): string | undefined {
  const { names, codes } = causes(error);
  const where = storeLocation(config);
  const local = config.dynamodbEndpoint !== undefined;
  if (names.has('ResourceNotFoundException')) {
    return (
      `no ${where}. Set LEASES_TABLE to the lease table's name: local mode and the sandbox print it ` +
      `(kube-lease-leases unless LEASES_TABLE was set there); in AWS it is the stack's LeasesTableName output, kube-lease-<stage>-leases` +
      (local ? '' : '; for a local store set DYNAMODB_ENDPOINT to the endpoint local mode or the sandbox printed')
    );
  }
  if ([...codes, ...names].some((c) => UNREACHABLE.includes(c))) {
    return local
      ? `nothing answers at DYNAMODB_ENDPOINT ${config.dynamodbEndpoint ?? ''}: start local mode (npm start) or the sandbox (npm run sandbox), ` +
          'then set DYNAMODB_ENDPOINT to the store endpoint it prints; unset DYNAMODB_ENDPOINT to read the table in AWS'
      : `DynamoDB in ${config.region} cannot be reached: check the network and AWS_REGION, or set DYNAMODB_ENDPOINT to read a local store (local mode and the sandbox print it)`;
  }
  if (!local && (names.has('CredentialsProviderError') || names.has('UnrecognizedClientException') || names.has('ExpiredTokenException'))) {
    return `no usable AWS credentials to read ${where}: set AWS_PROFILE or the AWS_* credential variables, or set DYNAMODB_ENDPOINT to read a local store (local mode and the sandbox print it)`;
  }
  if (!local && names.has('AccessDeniedException')) {
    return `these AWS credentials may not read ${where}: the CLI needs dynamodb:Query, GetItem and Scan on the table and its indexes`;
  }
  return undefined;
}

/** {@link storeHint} from the environment's table settings, as an indented line to print under the error (or ''). */
export function storeHintLine(error: unknown, env: NodeJS.ProcessEnv): string {
  let config: StoreConfig;
  try {
    config = loadStoreConfig(env);
  } catch {
    return '';
  }
  const hint = storeHint(error, config);
  return hint === undefined ? '' : `  ${hint}\n`;
}
