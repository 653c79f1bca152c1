import { afterEach, describe, expect, it } from '@jest/globals';
import { alice, bob, bodyOf, carol, TestStack } from '../support/stack.js';
import { DEMO_CATALOG } from '../support/demo-catalog.js';

const PROFILE = 'customfield_10100';
/** The demo catalog, watching two projects: OPS and SEC (SBX is not watched). */
const WATCHING = DEMO_CATALOG.replace('jira:\n', 'jira:\n  projects: [OPS, SEC]\n');

/**
 * An approval counts only if it was given while the issue was in a project the catalog watches
 * (under that project's workflow): a *Move issue* that carries an approved issue in keeps the
 * status without a transition, and the changelog's `Key` items say where it was approved.
 */
describe('a moved Jira issue: the project its approval was given in', () => {
  let stack: TestStack;
  afterEach(async () => {
    await stack.stop();
  });

  it('does not count an approval given in an unwatched project and carried in by a move', async () => {
    // Prepare: filed in SBX, moved to Approved there by a colleague (SBX's workflow lets anyone),
    // then moved into OPS, whose workflow shares the status: the move maps no status.
    expect(WATCHING).toContain('projects: [OPS, SEC]');
    stack = await new TestStack().start({ catalog: WATCHING });
    stack.ticket('SBX-4', { [PROFILE]: 'payments-read' }, alice);
    expect(bodyOf(await stack.deliver(stack.jira.transition('SBX-4', 'Approved', carol))).outcome).toBe('ignored');
    stack.jira.move('SBX-4', 'OPS', alice, { workflow: { from: 'Sandbox workflow', to: 'Access workflow' } });
    const key = stack.jira.issue('SBX-4').key;
    // Act: the issue is processed in OPS (a later event, the sweep, an operator).
    const outcome = await stack.container.processTicket({ source: 'jira', ticketKey: key, actor: 'test' });
    // Assess: no approval, said plainly on the ticket; nothing granted.
    expect(outcome).toMatchObject({ kind: 'denied', code: 'no-approval' });
    expect(stack.jira.comments(key).at(-1)).toContain(`approved while in project SBX, which kube-lease does not watch: approve it again in OPS`);
    expect(stack.kube.bindings.size).toBe(0);
  });

  it('keeps an approval given in a watched project through a move to another watched one: the same lease, never a second', async () => {
    // Prepare: approved in OPS, granted, then moved to SEC.
    stack = await new TestStack().start({ catalog: WATCHING });
    stack.ticket('OPS-70', { [PROFILE]: 'payments-read' }, alice);
    const granted = bodyOf(await stack.deliver(stack.jira.transition('OPS-70', 'Approved', bob)));
    expect(granted.outcome).toBe('granted');
    const bindings = stack.kube.bindings.size;
    stack.jira.move('OPS-70', 'SEC', bob, { workflow: { from: 'Access workflow', to: 'Security access workflow' } });
    // Act
    const again = await stack.container.processTicket({ source: 'jira', ticketKey: 'SEC-1', actor: 'test' });
    // Assess
    expect(again).toMatchObject({ kind: 'duplicate', lease: { id: granted.leaseId } });
    expect(stack.kube.bindings.size).toBe(bindings);
  });
});
