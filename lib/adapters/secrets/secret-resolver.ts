import { readFile } from 'node:fs/promises';
import { SecretError } from '../../errors.js';

/** Fetches a value from a backend by name; injected so tests and local mode need no AWS. */
export interface SecretBackends {
  ssm?: (name: string) => Promise<string | undefined>;
  secretsManager?: (id: string) => Promise<string | undefined>;
}

/**
 * Resolves a configuration value that may be a reference:
 * `ssm:/path/name` (SecureString, decrypted), `secretsmanager:<id>`, `file:<path>`;
 * anything else is the value itself (local mode). Values never appear in errors or logs.
 */
export async function resolveSecret(reference: string, what: string, backends: SecretBackends): Promise<string> {
  const [scheme, ...rest] = reference.split(':');
  const target = rest.join(':');
  let value: string | undefined;
  try {
    switch (scheme) {
      case 'ssm':
        if (backends.ssm === undefined) throw new Error('SSM is not available here');
        value = await backends.ssm(target);
        break;
      case 'secretsmanager':
        if (backends.secretsManager === undefined) throw new Error('Secrets Manager is not available here');
        value = await backends.secretsManager(target);
        break;
      case 'file':
        value = await readFile(target, 'utf8');
        break;
      default:
        value = reference;
    }
  } catch (error) {
    throw new SecretError(`could not read ${what} from ${scheme === 'file' ? 'file' : scheme} "${target}"`, { cause: error });
  }
  if (value === undefined || value.trim() === '') {
    throw new SecretError(`${what} is empty${scheme === reference ? '' : ` (${scheme}:${target})`}`);
  }
  return value;
}
