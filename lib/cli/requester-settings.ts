import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseCatalog } from '../adapters/catalog/parse-catalog.js';
import { JiraRequester } from '../adapters/requester/jira-requester.js';
import type { RequesterTickets } from '../adapters/requester/requester-tickets.js';
import { ServiceNowRequester } from '../adapters/requester/servicenow-requester.js';
import type { Catalog } from '../domain/catalog.js';
import type { TicketSourceName } from '../domain/ticket.js';
import { ConfigError } from '../errors.js';

/**
 * Where a requester's settings come from: the environment first, then the credentials file
 * (`$XDG_CONFIG_HOME/kube-lease/credentials`, by default `~/.config/kube-lease/credentials`),
 * `NAME=value` lines with the same names. Only these names are read: the functions' own
 * `JIRA_EMAIL`, `JIRA_API_TOKEN`, `SERVICENOW_USER` and `SERVICENOW_PASSWORD` (kube-lease's
 * integration account) never are, so a ticket is always filed as the person asking.
 */
export const REQUESTER_SETTINGS = {
  KUBE_LEASE_CATALOG: 'the access catalog file (the same YAML kube-lease runs with); --catalog overrides it',
  KUBE_LEASE_JIRA_URL: 'your Jira site, e.g. https://your-domain.atlassian.net',
  KUBE_LEASE_JIRA_EMAIL: 'your Jira account email',
  KUBE_LEASE_JIRA_TOKEN: 'your Jira API token (https://id.atlassian.com/manage-profile/security/api-tokens)',
  KUBE_LEASE_JIRA_PROJECT: 'the Jira project to file in (default: the first of the catalog\'s jira.projects)',
  KUBE_LEASE_SERVICENOW_URL: 'your ServiceNow instance, e.g. https://your-instance.service-now.com',
  KUBE_LEASE_SERVICENOW_USER: 'your ServiceNow user name',
  KUBE_LEASE_SERVICENOW_PASSWORD: 'your ServiceNow password',
} as const;
type SettingName = keyof typeof REQUESTER_SETTINGS;

/** The credentials file's path for this environment. */
export function credentialsPath(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CONFIG_HOME?.trim() || join(homedir(), '.config');
  return join(base, 'kube-lease', 'credentials');
}

/**
 * The credentials file as settings. Refused when anyone but its owner may read it (mode not 0600
 * or stricter), with the command that fixes it; absent is fine (the environment may hold all).
 */
export function readCredentialsFile(path: string): Partial<Record<SettingName, string>> {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new ConfigError(`cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  if ((mode & 0o077) !== 0) {
    throw new ConfigError(`${path} may be read by others (mode ${(mode & 0o777).toString(8).padStart(3, '0')}); it holds your credentials. Fix it with: chmod 600 ${path}`);
  }
  const settings: Partial<Record<SettingName, string>> = {};
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((line, index) => {
      const trimmed = line.trim();
      if (trimmed === '' || trimmed.startsWith('#')) return;
      const match = /^([A-Z_]+)\s*=\s*(.*)$/.exec(trimmed);
      const name = match?.[1];
      // The line number only: the line may hold a secret.
      if (match === null || name === undefined || !(name in REQUESTER_SETTINGS)) {
        throw new ConfigError(`${path}:${index + 1}: expected NAME=value with NAME one of ${Object.keys(REQUESTER_SETTINGS).join(', ')}`);
      }
      settings[name as SettingName] = (match[2] ?? '').replace(/^"(.*)"$/, '$1');
    });
  return settings;
}

/** A requester's settings: the environment over the credentials file. */
export function requesterSettings(env: NodeJS.ProcessEnv): { get(name: SettingName): string | undefined; readonly file: string } {
  const file = credentialsPath(env);
  let fromFile: Partial<Record<SettingName, string>> | undefined;
  // Each read by name: docs/configuration.md's table is generated from the reads in the code.
  const fromEnv: Record<SettingName, string | undefined> = {
    KUBE_LEASE_CATALOG: env.KUBE_LEASE_CATALOG,
    KUBE_LEASE_JIRA_URL: env.KUBE_LEASE_JIRA_URL,
    KUBE_LEASE_JIRA_EMAIL: env.KUBE_LEASE_JIRA_EMAIL,
    KUBE_LEASE_JIRA_TOKEN: env.KUBE_LEASE_JIRA_TOKEN,
    KUBE_LEASE_JIRA_PROJECT: env.KUBE_LEASE_JIRA_PROJECT,
    KUBE_LEASE_SERVICENOW_URL: env.KUBE_LEASE_SERVICENOW_URL,
    KUBE_LEASE_SERVICENOW_USER: env.KUBE_LEASE_SERVICENOW_USER,
    KUBE_LEASE_SERVICENOW_PASSWORD: env.KUBE_LEASE_SERVICENOW_PASSWORD,
  };
  return {
    file,
    get(name) {
      const value = fromEnv[name]?.trim();
      if (value) return value;
      fromFile ??= readCredentialsFile(file);
      return fromFile[name]?.trim() || undefined;
    },
  };
}

/** The catalog a requester checks against: `--catalog`, else KUBE_LEASE_CATALOG. */
export function requesterCatalog(option: string | undefined, env: NodeJS.ProcessEnv): { readonly catalog: Catalog; readonly path: string } {
  const path = option ?? (env.KUBE_LEASE_CATALOG?.trim() || undefined);
  if (path === undefined) throw new ConfigError('which access catalog? Pass --catalog <file> or set KUBE_LEASE_CATALOG (the catalog YAML your team deploys kube-lease with)');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read the access catalog ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`, { cause: error });
  }
  return { catalog: parseCatalog(text, path), path };
}

function required(settings: ReturnType<typeof requesterSettings>, names: readonly SettingName[], what: string): string[] {
  const missing = names.filter((n) => settings.get(n) === undefined);
  if (missing.length > 0) {
    throw new ConfigError(
      `${what} needs your own account: set ${missing.join(', ')} in the environment or in ${settings.file} (NAME=value lines, chmod 600). kube-lease's integration account is never used to file requests.`,
    );
  }
  return names.map((n) => settings.get(n) ?? '');
}

/** The requester's ticket system, with their own credentials. */
export function requesterTickets(source: TicketSourceName, catalog: Catalog, env: NodeJS.ProcessEnv): RequesterTickets {
  const settings = requesterSettings(env);
  if (source === 'jira') {
    if (catalog.jira === undefined) throw new ConfigError('the access catalog has no jira section: use --source servicenow');
    const [baseUrl, email, token] = required(settings, ['KUBE_LEASE_JIRA_URL', 'KUBE_LEASE_JIRA_EMAIL', 'KUBE_LEASE_JIRA_TOKEN'], 'filing in Jira');
    return new JiraRequester({ baseUrl: url(baseUrl ?? '', 'KUBE_LEASE_JIRA_URL'), email: email ?? '', token: token ?? '' }, catalog.jira);
  }
  if (catalog.servicenow === undefined) throw new ConfigError('the access catalog has no servicenow section: use --source jira');
  const [instanceUrl, user, password] = required(settings, ['KUBE_LEASE_SERVICENOW_URL', 'KUBE_LEASE_SERVICENOW_USER', 'KUBE_LEASE_SERVICENOW_PASSWORD'], 'filing in ServiceNow');
  return new ServiceNowRequester({ instanceUrl: url(instanceUrl ?? '', 'KUBE_LEASE_SERVICENOW_URL'), user: user ?? '', password: password ?? '' }, catalog.servicenow);
}

function url(text: string, name: SettingName): string {
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    throw new ConfigError(`${name} is not a URL: ${text.slice(0, 80)}`);
  }
  if (!/^https?:$/.test(parsed.protocol) || parsed.username !== '' || parsed.password !== '') throw new ConfigError(`${name} must be an http(s) URL without credentials in it`);
  return text;
}
