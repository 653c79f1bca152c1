import { describeError, UsageError } from '../errors.js';
import { cliContext, type CliIo } from './cli-context.js';
import { leasesList, leasesRevoke, leasesShow } from './leases-commands.js';
import { catalogCheck, sweepDryRun, sweepNow } from './other-commands.js';
import { REPORT_SYNOPSIS, runReport } from './report-command.js';
import { REVIEW_SYNOPSIS, runReview } from './review-command.js';
import { storeHintLine } from './store-hints.js';
import { isRequesterCommand, REQUESTER_COMMANDS, runRequesterCommand } from './requester-commands.js';

export type { CliIo } from './cli-context.js';

/** Each command's synopsis and what it does; `kube-lease <command> --help` prints its own. */
const COMMANDS: Readonly<Record<string, { readonly synopsis: string; readonly about: string }>> = {
  'leases list': {
    synopsis: 'leases list [--status <S,...> | --all] [--since <date>] [--until <date>] [--user <email>] [--ticket <key|id> [--source jira|servicenow]] [--json]',
    about: 'leases as a table (lease, status, ticket, requester, subject, role, cluster, namespaces, expiry, time left): open ones by default, every status with --all; --since/--until keep leases whose window meets the period; the whole index is read, nothing is cut off',
  },
  'leases show': { synopsis: 'leases show <lease id> [--json]', about: 'one lease with its history' },
  'leases revoke': { synopsis: 'leases revoke <lease id> --reason <text> [--json]', about: 'revoke now: bindings deleted, audited as manual with the reason (also in the lease history), the ticket told' },
  sweep: { synopsis: 'sweep [--dry-run] [--json]', about: 'run the reconciling sweep now, with the orphan scan; --dry-run shows what is due and changes nothing' },
  'catalog check': { synopsis: 'catalog check <file> [--json]', about: 'validate a catalog; the RBAC it implies as YAML on stdout, the verdict and warnings on stderr' },
  review: { synopsis: REVIEW_SYNOPSIS, about: 'access review pack of a period (HTML, CSV, digest; least privilege learned from use); --file opens it as a ticket with both attached, --findings a linked task per suggestion; --sign-off records the ticket\'s sign-off (docs/review-packs.md)' },
  report: { synopsis: REPORT_SYNOPSIS, about: 'access report of a period (default: the 30 days up to now): every lease that overlapped it (why, approved how, ended by whom, what was done), the denials with their people, a summary; HTML with a timeline, JSON, or CSV (--table leases|denials)' },
};

export const USAGE = `usage: kube-lease <command> [--help]
${Object.values(COMMANDS)
  .map((c) => `  ${c.synopsis}`)
  .join('\n')}
Requesters (docs/requesting-access.md):
${Object.values(REQUESTER_COMMANDS)
  .map((c) => `  ${c.synopsis}`)
  .join('\n')}
Read-only commands (leases list, leases show, sweep --dry-run, report) need only the table settings:
AWS_REGION and LEASES_TABLE, or DYNAMODB_ENDPOINT for a local store (local mode and the sandbox print it).
leases revoke and sweep need the functions' settings (docs/cli.md). Output on stdout, log lines
and audit events on stderr. Exit codes: 0 done, 1 failed or not found, 2 wrong arguments.`;

/** The usage of a command group (`leases`, `catalog`): each of its commands with what it does; undefined for no group. */
function groupUsage(group: string): string | undefined {
  const members = Object.entries(COMMANDS).filter(([name]) => name.startsWith(`${group} `));
  if (members.length === 0) return undefined;
  return `usage: kube-lease ${group} <command> [--help]\n${members.map(([, c]) => `  ${c.synopsis}\n      ${c.about}`).join('\n')}`;
}

/** The operator CLI. Returns the exit code: 0 done, 1 failed (or nothing found to act on), 2 wrong arguments. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const context = cliContext(io);
  const [group, command, ...rest] = argv;
  try {
    if (group === undefined) {
      io.err(`${USAGE}\n`);
      return 2;
    }
    if (group === '--help' || group === '-h' || group === 'help') {
      io.out(`${USAGE}\n`);
      return 0;
    }
    if (isRequesterCommand(group)) return await runRequesterCommand(group, argv.slice(1), io);
    const single = group === 'sweep' || group === 'report' || group === 'review';
    const name = single ? group : `${group} ${command ?? ''}`;
    const args = single ? (command === undefined ? [] : [command, ...rest]) : rest;
    const spec = COMMANDS[name];
    const members = groupUsage(group);
    // `kube-lease leases --help`: the group's commands; `kube-lease leases`: the same, as a usage error.
    if (spec === undefined && members !== undefined && (command === undefined || command === '--help' || command === '-h')) {
      if (command === undefined) {
        io.err(`kube-lease: ${group} takes a command\n${members}\n`);
        return 2;
      }
      io.out(`${members}\n`);
      return 0;
    }
    if (spec === undefined) throw new UsageError(`unknown command: ${argv.join(' ')}`);
    if (args.includes('--help') || args.includes('-h')) {
      io.out(`usage: kube-lease ${spec.synopsis}\n  ${spec.about}\n`);
      return 0;
    }
    switch (name) {
      case 'leases list':
        return await leasesList(args, context.store(), io.out, io.err);
      case 'leases show':
        return await leasesShow(args, context.store(), io.out, io.err);
      case 'leases revoke':
        return await leasesRevoke(args, context.container().revokeLease, io.env.USER || 'operator', io.out, io.err);
      case 'report':
        return await runReport(args, io);
      case 'review':
        return await runReview(args, io);
      case 'sweep':
        return args.includes('--dry-run') ? await sweepDryRun(args, context.store(), io.out, io.err) : await sweepNow(args, context.container().sweepLeases, io.out, io.err);
      default:
        return catalogCheck(args, io.out, io.err);
    }
  } catch (error) {
    const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
    if (error instanceof UsageError || code.startsWith('ERR_PARSE_ARGS')) {
      io.err(`kube-lease: ${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
      return 2;
    }
    io.err(`kube-lease: ${describeError(error)}\n${storeHintLine(error, io.env)}`);
    return 1;
  }
}
