import { describe, expect, it } from '@jest/globals';
import { packDigest, type PackFile } from '../../lib/domain/review-digest.js';
import { packFileName } from '../../lib/domain/review-text.js';
import type { ReviewDesk, ReviewTicketState } from '../../lib/ports/review-desk.js';
import { makeReviewPacks } from '../../lib/use-cases/review-packs.js';

/*
 * Review 2 of issue 23 (review packs), as anyone with edit rights on the review ticket (a member of
 * the review project, possibly a lease holder the pack is about): replace both pack files (a row
 * removed) and the description's `Pack digest:` line with the digest of the new files, then let the
 * auditor sign off. `kube-lease review --sign-off` compares the description's digest with the
 * attachments, both as they are now, and kube-lease's account then writes on the ticket that the
 * digest was "stated at filing" and that "the files signed off are the files filed": neither is
 * known. The record must not vouch for what it did not check (the filed digest is not kept
 * anywhere the ticket's editors cannot change, and the pack is not rebuilt from the records).
 */
const bytes = (text: string) => new TextEncoder().encode(text);

describe('review2: a sign-off record after the description and the files were both replaced', () => {
  it('does not say the digest was stated at filing or that the files are the files filed', async () => {
    // Prepare: the ticket as an editor left it: forged files, and a description stating their digest.
    const files: PackFile[] = [
      { name: packFileName('2026-11', 'html'), contentType: 'text/html', bytes: bytes('<p>no break-glass leases</p>') },
      { name: packFileName('2026-11', 'csv'), contentType: 'text/csv', bytes: bytes('section,name\r\n') },
    ];
    const state: ReviewTicketState = {
      key: 'SEC-7', url: 'https://jira.example/browse/SEC-7', status: 'Done', signedOff: true, signedOffBy: 'ada@example.com', signedOffAt: '2026-12-02T09:00:00.000Z',
      description: `Access review 2026-11 (kube-lease)\nPack digest: ${packDigest(files)}\n`, files,
    };
    const notes: string[] = [];
    const desk: ReviewDesk = {
      system: 'jira',
      find: () => Promise.resolve({ planted: [] }),
      open: () => Promise.reject(new Error('not used')),
      attach: () => Promise.resolve(),
      read: () => Promise.resolve(state),
      note: (_key, _marker, text) => { notes.push(text); return Promise.resolve('added'); },
      finding: () => Promise.reject(new Error('not used')),
    };
    const packs = makeReviewPacks({ history: { leasesBetween: () => Promise.resolve({ leases: [], unreadable: [] }), denialsBetween: () => Promise.resolve([]) }, evidenceMac: undefined, profiles: [], render: () => [], desk });
    // Act
    await packs.signOff('SEC-7');
    // Assess: kube-lease's comment claims nothing it did not check.
    expect(notes.join('\n')).not.toMatch(/stated at filing|are the files filed/);
  });
});
