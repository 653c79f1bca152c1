import { describe, expect, it } from '@jest/globals';
import { parseCatalog } from '../../lib/adapters/catalog/parse-catalog.js';
import { asksBreakGlass, notARequest } from '../../lib/domain/policy.js';
import type { TicketSnapshot } from '../../lib/domain/ticket.js';
import { DEMO_CATALOG, withBreakGlass } from '../support/demo-catalog.js';
import { approval, approvedTicket, T0, useCases } from '../support/use-cases.js';

const MINUTE = 60_000;

/** A Jira ticket the requester moved to "Break Glass" (no one approved it). */
function glassTicket(key: string, changes: Partial<TicketSnapshot> = {}): TicketSnapshot {
  return approvedTicket(key, { state: 'open', statusText: 'Break Glass', approval: undefined, approvalIntegrity: undefined, requestedProfile: 'break-glass-debug', requestedDuration: '2h', justification: 'INC-4711: checkout is down since 02:50', ...changes });
}

describe('break-glass (use case, in-memory ports)', () => {
  it('grants the requester\'s own request on the dedicated path, for at most the break-glass maximum', async () => {
    // Prepare
    const app = useCases(withBreakGlass(DEMO_CATALOG));
    // Act: 2h asked, the profile's break-glass maximum is 30m.
    const outcome = await app.grantAccess(glassTicket('BG-1'), 'test');
    // Assess
    expect(outcome.kind).toBe('granted');
    if (outcome.kind !== 'granted') return;
    expect(outcome.lease.approvalKind).toBe('break-glass');
    expect(outcome.lease.approvals).toEqual(['break-glass:id-BG-1']); // decided once per ticket id
    expect(outcome.lease.expiresAt).toBe(new Date(T0.getTime() + 30 * MINUTE).toISOString());
    expect(app.audit.events.find((e) => e.kind === 'grant')?.approvalKind).toBe('break-glass');
    expect(app.jira.commentsOn('BG-1').join('\n')).toContain('Approved (break-glass): the requester approved their own request through break-glass');
  });

  it('denies a justification that does not match the break-glass pattern, once', async () => {
    const app = useCases(withBreakGlass(DEMO_CATALOG));
    const first = await app.grantAccess(glassTicket('BG-2', { justification: 'need access' }), 'test');
    const repeat = await app.grantAccess(glassTicket('BG-2', { justification: 'INC-1: now it matches the pattern' }), 'test');
    expect(first).toMatchObject({ kind: 'denied', code: 'justification-mismatch' });
    expect(repeat.kind).toBe('already-decided');
    expect(app.cluster.bindings.size).toBe(0);
  });

  it('limits break-glass per requester per day, across tickets, before anything is created', async () => {
    const app = useCases(withBreakGlass(DEMO_CATALOG));
    expect((await app.grantAccess(glassTicket('BG-3'), 'test')).kind).toBe('granted');
    const second = await app.grantAccess(glassTicket('BG-4'), 'test');
    expect(second).toMatchObject({ kind: 'denied', code: 'break-glass-limit' });
    const [lease] = (await app.leases.listForTicket('jira', 'BG-4')).leases;
    expect(lease?.status).toBe('FAILED');
    expect(app.cluster.namespacesOf(lease?.id ?? '')).toEqual([]);
    // The next UTC day counts afresh.
    app.clock.advance(24 * 60 * MINUTE);
    expect((await app.grantAccess(glassTicket('BG-5'), 'test')).kind).toBe('granted');
  });

  it('concurrent break-glass tickets of one requester: exactly one is granted', async () => {
    const app = useCases(withBreakGlass(DEMO_CATALOG));
    const outcomes = await Promise.all(['BG-6', 'BG-7', 'BG-8'].map((key) => app.grantAccess(glassTicket(key), 'test')));
    expect(outcomes.map((o) => o.kind).sort()).toEqual(['denied', 'denied', 'granted']);
  });

  it('is never extended by break-glass again, only by a person\'s approval', async () => {
    const app = useCases(withBreakGlass(DEMO_CATALOG));
    await app.grantAccess(glassTicket('BG-9'), 'test');
    app.clock.advance(10 * MINUTE);
    expect((await app.grantAccess(glassTicket('BG-9'), 'test')).kind).toBe('duplicate');
    const extended = await app.grantAccess(approvedTicket('BG-9', { requestedProfile: 'break-glass-debug', requestedDuration: '1h', justification: 'INC-4711: checkout is down since 02:50', approval: approval(undefined, app.clock.now()) }), 'test');
    expect(extended.kind).toBe('extended');
  });

  it('an open ticket in any other status is no request', async () => {
    const app = useCases(withBreakGlass(DEMO_CATALOG));
    expect((await app.grantAccess(glassTicket('BG-10', { statusText: 'In Review' }), 'test')).kind).toBe('ignored');
  });

  it('ServiceNow: an emergency change is the break-glass path; a normal open change is not', () => {
    const app = useCases(withBreakGlass(DEMO_CATALOG));
    const sn = (key: string, emergency: boolean) => glassTicket(key, { source: 'servicenow', statusText: 'New, approval not requested', emergency });
    const catalog = parseCatalog(withBreakGlass(DEMO_CATALOG));
    expect(asksBreakGlass(sn('CHG1', true), catalog)).toBe(true);
    expect(notARequest(sn('CHG2', false), catalog)).toMatch(/neither approved nor closed/);
    expect(app.catalog.profiles.find((p) => p.name === 'break-glass-debug')?.breakGlass?.maxDuration).toBe(1800);
  });

  it('the catalog refuses a break-glass maximum over 4h and a status that is also approved', () => {
    expect(() => parseCatalog(withBreakGlass(DEMO_CATALOG).replace('maxDuration: 30m', 'maxDuration: 5h'))).toThrow(/at most 4h/);
    expect(() => parseCatalog(withBreakGlass(DEMO_CATALOG).replace('breakGlassStatuses: [Break Glass]', 'breakGlassStatuses: [Approved]'))).toThrow(/also an approved or closed status/);
  });
});
