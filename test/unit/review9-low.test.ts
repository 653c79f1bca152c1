import { expect, it } from '@jest/globals';
import { DEMO_CATALOG } from '../support/demo-catalog.js';
import { approval, approvedTicket, approver, T0, useCases } from '../support/use-cases.js';

/*
 * Review 9, R9-L1 (Low; a regression test of the wording). An ACTIVE lease refuses an approval of a window
 * that opens later; a redelivery of the same approval once that window has opened extends the lease from
 * then (no access outside what the approval covers). The ticket used to be told "approve again once it has
 * ended", which that redelivery made false; it is told now what a later delivery does.
 */
const MIN = 60_000;
const CATALOG = DEMO_CATALOG.replace('    namespaces: customfield_10102\n', '    namespaces: customfield_10102\n    start: customfield_10103\n');

it('R9-L1: the ticket is told that the refused approval extends the lease if the ticket is sent again once its window opened', async () => {
  const app = useCases(CATALOG);
  const first = approvedTicket('R9L1');
  app.jira.put(first);
  const granted = await app.grantAccess(first, 'webhook'); // ACTIVE T0 .. T0+1h
  if (granted.kind !== 'granted') throw new Error(`expected granted, got ${granted.kind}`);
  app.clock.advance(10 * MIN);
  const opens = new Date(T0.getTime() + 30 * MIN).toISOString();
  const second = approvedTicket('R9L1', { windowStart: opens, approval: approval(approver, app.clock.now()) });
  app.jira.put(second);
  const refused = await app.grantAccess(second, 'webhook');
  const told = app.jira.commentsOn('R9L1').at(-1) ?? '';
  app.clock.advance(40 * MIN); // any later event on the ticket redelivers it
  const redelivered = await app.grantAccess(second, 'webhook');
  expect(refused.kind).toBe('not-extended');
  expect(told).toContain(`this approval is for a window that opens at ${opens}; an active lease is not moved to a later window now (if the ticket is sent again once that window has opened, this approval extends the lease from then)`);
  expect(told).not.toContain('approve again once it has ended');
  // From then: at most the approval's duration (1h) from the redelivery.
  expect(redelivered.kind === 'extended' ? Date.parse(redelivered.lease.expiresAt) <= app.clock.now().getTime() + 60 * MIN : true).toBe(true);
});
