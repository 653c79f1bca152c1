import { createHash } from 'node:crypto';
import type { Profile } from '../domain/catalog.js';
import type { RoleRules } from '../domain/least-privilege.js';
import { buildReviewPack, type OrphanRemoval, type ReviewPack } from '../domain/review-pack.js';
import { packDigest, type PackFile } from '../domain/review-digest.js';
import type { ReviewPeriod } from '../domain/review-period.js';
import { ConfigError } from '../errors.js';
import type { EvidenceMac } from '../ports/evidence-mac.js';
import { wholeList } from './unreadable-leases.js';
import type { LeaseHistory } from '../ports/lease-history.js';
import type { FiledTicket, ReviewDesk } from '../ports/review-desk.js';
import { checkEvidenceSeals } from './check-evidence.js';
import { describePack, packFileName, SIGN_OFF_MARKER, signOffText, statedDigest } from '../domain/review-text.js';

export interface ReviewPackDeps {
  readonly history: LeaseHistory;
  /** The evidence key: seals are verified before evidence counts (undefined: not verified, and the pack says so). */
  readonly evidenceMac: EvidenceMac | undefined;
  readonly profiles: readonly Profile[];
  /** The pack as files: its HTML page and its CSV, named by packFileName. */
  readonly render: (pack: ReviewPack) => readonly PackFile[];
  /** Where packs are filed; undefined when no review desk is configured (build only). */
  readonly desk: ReviewDesk | undefined;
}

/** A pack, its files and their digest. */
export interface BuiltPack {
  readonly pack: ReviewPack;
  readonly files: readonly PackFile[];
  readonly digest: string;
}

/**
 * What filing did: `filed` (opened with its files), `completed` (found filed, missing files
 * attached), `already filed` (found with its files), `differs` (found, but it states another digest:
 * nothing changed). `planted`: tickets with the period's label that kube-lease did not create (a finding).
 */
export type FileOutcome = FiledTicket & { readonly outcome: 'filed' | 'completed' | 'already filed' | 'differs'; readonly statedDigest?: string | undefined; readonly planted?: readonly FiledTicket[] | undefined };

/** A sign-off as recorded: who moved the ticket to its done status and when, and the digests. */
export interface SignOffRecord extends FiledTicket {
  readonly signedOff: boolean;
  readonly status: string;
  readonly by?: string | undefined;
  readonly at?: string | undefined;
  /** The digest the ticket's description states (put there at filing). */
  readonly statedDigest?: string | undefined;
  /** The digest of the pack's files as attached now, recomputed from their bytes. */
  readonly attachedDigest?: string | undefined;
  /** Whether the two agree: the attached files have the digest the description states now (an editor of the ticket can change both). */
  readonly matches: boolean;
  readonly note?: 'added' | 'present' | undefined;
}

/**
 * The access review's use cases: build a period's pack from the records, file it (idempotent: one
 * ticket per period), record its sign-off, and open its findings as linked tasks (one per
 * suggestion, idempotent).
 */
export function makeReviewPacks(deps: ReviewPackDeps) {
  const desk = (): ReviewDesk => {
    if (deps.desk === undefined) throw new ConfigError('no review desk is configured: set REVIEW_DESK (jira or servicenow) and its settings (docs/review-packs.md)');
    return deps.desk;
  };

  async function build(period: ReviewPeriod, extras: { readonly roles?: RoleRules | undefined; readonly orphans?: readonly OrphanRemoval[] | undefined } = {}): Promise<BuiltPack> {
    const [listed, denials] = await Promise.all([deps.history.leasesBetween(period), deps.history.denialsBetween(period)]);
    // A pack is filed as the whole period's record: it is not built without a lease item it could not read.
    const leases = wholeList(listed, 'the table');
    const seals = await checkEvidenceSeals(leases, deps.evidenceMac);
    const pack = buildReviewPack({ period, leases, denials, seals, profiles: deps.profiles, roles: extras.roles, orphans: extras.orphans });
    const files = deps.render(pack);
    return { pack, files, digest: packDigest(files) };
  }

  async function file(built: BuiltPack): Promise<FileOutcome> {
    const d = desk();
    const label = built.pack.period.label;
    const { own: found, planted: others } = await d.find(label);
    const planted = others.length === 0 ? {} : { planted: others };
    if (found === undefined) {
      const opened = await d.open({ period: label, title: `Access review ${label} (kube-lease)`, description: describePack(built, d.system) });
      await d.attach(opened.key, built.files);
      return { ...opened, outcome: 'filed', ...planted };
    }
    // Filed before (a rerun, or a run that stopped between opening and attaching): never a second ticket.
    const state = await d.read(found.key);
    const stated = statedDigest(state.description);
    if (stated !== built.digest) return { ...found, outcome: 'differs', statedDigest: stated, ...planted };
    const missing = built.files.filter((f) => !state.files.some((a) => a.name === f.name));
    if (missing.length > 0) await d.attach(found.key, missing);
    return { ...found, outcome: missing.length > 0 ? 'completed' : 'already filed', ...planted };
  }

  async function signOff(key: string): Promise<SignOffRecord> {
    const d = desk();
    const state = await d.read(key);
    const stated = statedDigest(state.description);
    const label = /Access review (\S+)/.exec(state.description)?.[1];
    const packFiles = label === undefined ? [] : state.files.filter((f) => f.name === packFileName(label, 'html') || f.name === packFileName(label, 'csv'));
    const attached = packFiles.length === 2 ? packDigest(packFiles) : undefined;
    const base = { key: state.key, url: state.url, status: state.status, statedDigest: stated, attachedDigest: attached, matches: stated !== undefined && stated === attached };
    if (!state.signedOff) return { ...base, signedOff: false };
    const record = { ...base, signedOff: true, by: state.signedOffBy, at: state.signedOffAt };
    const note = await d.note(key, SIGN_OFF_MARKER, signOffText(record));
    return { ...record, note };
  }

  async function findings(key: string, built: BuiltPack): Promise<(FiledTicket & { readonly created: boolean; readonly text: string })[]> {
    const d = desk();
    const label = built.pack.period.label;
    const out: (FiledTicket & { created: boolean; text: string })[] = [];
    for (const s of built.pack.leastPrivilege.suggestions) {
      const id = createHash('sha256').update(`${label}\n${s.text}`).digest('hex').slice(0, 16);
      const filed = await d.finding(key, { id, title: `Access review ${label} finding: ${s.profile} (${s.kind})`, text: `${s.text}\n\nFrom the access review ${label} (${key}), computed from the activity evidence by kube-lease.` });
      out.push({ ...filed, text: s.text });
    }
    return out;
  }

  return { build, file, signOff, findings };
}

export type ReviewPacks = ReturnType<typeof makeReviewPacks>;
