import type { ReviewPack } from './review-pack.js';

/** The first words of kube-lease's sign-off note on a review ticket: it is added once. */
export const SIGN_OFF_MARKER = 'kube-lease sign-off record:';

/** The name a pack file is attached under: `kube-lease-review-2026-Q4.html`. */
export function packFileName(label: string, extension: 'html' | 'csv'): string {
  return `kube-lease-review-${label}.${extension}`;
}

const DIGEST_LINE = /^Pack digest: (sha256:[0-9a-f]{64})$/m;

/** The digest a review ticket's description states (written by describePack), if it states one. */
export function statedDigest(description: string): string | undefined {
  return DIGEST_LINE.exec(description)?.[1];
}

const day = (iso: string) => iso.slice(0, 16).replace('T', ' ');

/** The review ticket's description: the period, the digest and what it covers, a summary, and how to sign off. */
export function describePack(built: { readonly pack: ReviewPack; readonly digest: string }, system: 'jira' | 'servicenow'): string {
  const { pack, digest } = built;
  const p = pack.period;
  const count = (use: string) => pack.leases.filter((l) => l.use === use).length;
  const done = system === 'jira' ? 'move this issue to Done' : 'close this task (Closed Complete)';
  return [
    `Access review ${p.label} by kube-lease.`,
    `Period: ${day(p.from)} to ${day(p.to)} UTC (the end excluded).`,
    `Pack digest: ${digest}`,
    `The digest covers the two attached files, ${packFileName(p.label, 'html')} and ${packFileName(p.label, 'csv')}: it is the SHA-256 of the text "kube-lease review pack v1" followed by one line per file as sha256sum prints it (files sorted by name). Building the pack again from unchanged records gives the same files and digest.`,
    `In the period: ${pack.leases.length} lease(s): ${count('used')} used, ${count('unused')} unused, ${count('not known')} whose use is not known (per the activity evidence); ${pack.emergency.length} emergency lease(s); ${pack.standingAccess.length} with standing access found at revoke; ${pack.denials.length} denial(s); ${pack.leastPrivilege.suggestions.length} least-privilege suggestion(s).`,
    ...pack.notes.map((n) => `Note: ${n}.`),
    `To sign off: review the attached pack, then ${done}. That transition is the sign-off: kube-lease review --sign-off <this ticket> records who made it, when, and whether the files attached then still have this digest.`,
  ].join('\n\n');
}

/** The note recording a sign-off on the review ticket. */
export function signOffText(r: { readonly key: string; readonly status: string; readonly by?: string | undefined; readonly at?: string | undefined; readonly statedDigest?: string | undefined; readonly attachedDigest?: string | undefined; readonly matches: boolean }): string {
  const verdict = r.matches
    ? 'They match: the attached files are the files the description\'s digest names. Whoever can edit this ticket can change both: to tie them to kube-lease\'s records, build the pack of this period again and compare its digest.'
    : 'They DO NOT match: the pack files were changed, removed or never attached after filing; this sign-off does not cover the pack as filed.';
  return [
    `${SIGN_OFF_MARKER} ${r.key} was moved to "${r.status}" by ${r.by ?? '(not recorded by the ticket system)'} at ${r.at ?? '(not recorded by the ticket system)'}.`,
    `Digest the description states now (written there at filing): ${r.statedDigest ?? '(none in the description)'}. Digest of the pack files attached now, recomputed from their bytes: ${r.attachedDigest ?? '(the two pack files are not both attached)'}.`,
    verdict,
  ].join('\n');
}
