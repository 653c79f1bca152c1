import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { orphansFromAuditLines, parseRoleRules } from '../adapters/review/pack-inputs.js';
import { loadConfig } from '../config.js';
import { reviewPacks } from '../review-container.js';
import { parseReviewPeriod } from '../domain/review-period.js';
import { describeError, ReportRequestError } from '../errors.js';
import type { EvidenceMac } from '../ports/evidence-mac.js';
import type { LeaseHistory } from '../ports/lease-history.js';
import type { SecretBackends } from '../adapters/secrets/secret-resolver.js';
import { reportHistoryFromEnv, type ReportHistorySource } from './report-history.js';
import { storeHintLine } from './store-hints.js';

/** The `review` command's synopsis, for the CLI's usage text. */
export const REVIEW_SYNOPSIS = 'review --period <2026-Q4|2026-H2|2026-11> [--out <dir>] [--roles <file>] [--audit <file>] [--file] [--findings] [--json] | review --sign-off <ticket> [--json]';

/** What `runReview` talks to; the store, the evidence key and the secret backends replaceable (tests). */
export interface ReviewIo {
  readonly env: NodeJS.ProcessEnv;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly history?: LeaseHistory;
  readonly evidenceMac?: EvidenceMac;
  readonly secretBackends?: SecretBackends;
}

const OPTIONS = { period: { type: 'string' }, out: { type: 'string' }, roles: { type: 'string' }, audit: { type: 'string' }, file: { type: 'boolean' }, findings: { type: 'boolean' }, 'sign-off': { type: 'string' }, json: { type: 'boolean' } } as const;

function parse(args: readonly string[]) {
  let values;
  try {
    ({ values } = parseArgs({ args: [...args], options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new ReportRequestError(error instanceof Error ? error.message : String(error), { cause: error });
  }
  if ((values.period === undefined) === (values['sign-off'] === undefined)) throw new ReportRequestError('give either --period (build a pack) or --sign-off <ticket> (record its sign-off)');
  return values;
}

/**
 * `kube-lease review`: builds the review pack of a period (HTML and CSV written to `--out`, the
 * current folder by default, and their digest printed), files it with `--file` (one ticket per
 * period, the files attached), opens its findings as linked tasks with `--findings`; or records
 * the sign-off of a filed pack with `--sign-off <ticket>`. Exit codes: 0 done, 1 failed (or not
 * signed off, or the attachments do not match the digest filed, or the ticket of the period
 * states another digest), 2 wrong arguments.
 */
export async function runReview(args: readonly string[], io: ReviewIo): Promise<number> {
  let values: ReturnType<typeof parse>;
  try {
    values = parse(args);
    if (values.period !== undefined) parseReviewPeriod(values.period);
  } catch (error) {
    if (!(error instanceof ReportRequestError)) throw error;
    io.err(`kube-lease review: ${error.message}\nusage: kube-lease ${REVIEW_SYNOPSIS}\n`);
    return 2;
  }
  let source: ReportHistorySource | undefined;
  const print = (text: string, data: unknown) => io.out(values.json === true ? `${JSON.stringify(data, null, 2)}\n` : text);
  try {
    const config = loadConfig(io.env);
    if (io.history === undefined) source = reportHistoryFromEnv(io.env);
    const packs = reviewPacks(config, io.env, {
      history: io.history ?? source?.history,
      evidenceMac: io.history === undefined ? source?.evidenceMac : io.evidenceMac,
      ...(io.secretBackends === undefined ? {} : { secretBackends: io.secretBackends }),
    });
    const signOffKey = values['sign-off'];
    if (signOffKey !== undefined) {
      const r = await packs.signOff(signOffKey);
      if (!r.signedOff) {
        print(`${r.key} is not signed off: its status is "${r.status}"\n`, r);
        return 1;
      }
      print(`${r.key} signed off by ${r.by ?? '(not recorded)'} at ${r.at ?? '(not recorded)'}\n  digest the description states: ${r.statedDigest ?? '(none)'}\n  digest of the attached files:  ${r.attachedDigest ?? '(pack files missing)'}\n  ${r.matches ? 'match: the attached files have the digest the description states (an editor of the ticket could have changed both; rebuild the pack to compare with the records)' : 'NO MATCH: the attached files do not have the digest the description states'}\n  ${r.note === 'added' ? 'recorded on the ticket' : 'already recorded on the ticket'}\n`, r);
      return r.matches ? 0 : 1;
    }
    const period = parseReviewPeriod(values.period ?? '');
    const roles = values.roles === undefined ? undefined : parseRoleRules(await readFile(values.roles, 'utf8'), values.roles);
    const orphans = values.audit === undefined ? undefined : orphansFromAuditLines(await readFile(values.audit, 'utf8'), period);
    const built = await packs.build(period, { roles, orphans });
    const dir = values.out ?? '.';
    await mkdir(dir, { recursive: true });
    for (const f of built.files) await writeFile(join(dir, f.name), f.bytes);
    io.err(`wrote ${built.files.map((f) => join(dir, f.name)).join(' and ')}\n`);
    const result: Record<string, unknown> = { period: period.label, digest: built.digest, files: built.files.map((f) => join(dir, f.name)), leases: built.pack.leases.length, suggestions: built.pack.leastPrivilege.suggestions.map((s) => s.text) };
    let text = `review ${period.label}: ${built.pack.leases.length} lease(s), ${built.pack.leastPrivilege.suggestions.length} suggestion(s)\n  digest ${built.digest}\n${built.pack.leastPrivilege.suggestions.map((s) => `  - ${s.text}\n`).join('')}`;
    if (values.file !== true && values.findings !== true) {
      print(text, result);
      return 0;
    }
    const filed = await packs.file(built);
    result.filed = filed;
    if (filed.outcome === 'differs') {
      print(`${text}  ${filed.key} (${filed.url}) is this period's review and states digest ${filed.statedDigest ?? '(none)'}: the records changed since it was filed. Nothing was changed on it.\n`, result);
      return 1;
    }
    text += `  ${filed.outcome}: ${filed.key} ${filed.url}\n`;
    for (const t of filed.planted ?? []) text += `  finding: ${t.key} ${t.url} carries this period's label but kube-lease did not create it: not taken for its own\n`;
    if (values.findings === true) {
      const found = await packs.findings(filed.key, built);
      result.findings = found;
      text += found.map((f) => `  finding ${f.created ? 'opened' : 'already open'}: ${f.key} ${f.url}\n`).join('');
    }
    print(text, result);
    return 0;
  } catch (error) {
    io.err(`kube-lease review: ${describeError(error)}\n${io.history === undefined ? storeHintLine(error, io.env) : ''}`);
    return 1;
  } finally {
    source?.close();
  }
}
