import { describe, expect, it } from '@jest/globals';
import { evidenceWindow, REMOVAL_WAIT_MS, type BindingChange } from '../../lib/domain/binding-lifecycle.js';
import type { Lease } from '../../lib/domain/lease.js';
import { leaseFixture } from '../support/lease-fixture.js';

const ID = 'a1b2c3d4e5f60718293a';
const NAME = `kl-payments-read-${ID}`;
const at = (minutes: number) => new Date(Date.parse('2026-01-01T00:00:00.000Z') + minutes * 60_000);
const DELAY = 5 * 60_000;

function revoked(changes: Partial<Lease> = {}): Lease {
  const lease = leaseFixture(ID, at(60).toISOString(), 'REVOKED');
  return { ...lease, history: [{ at: at(0).toISOString(), from: null, to: 'PENDING', by: 'test' }, { at: at(60).toISOString(), from: 'ACTIVE', to: 'REVOKED', by: 'test' }], revokedAt: at(60).toISOString(), ...changes };
}
const change = (verb: 'create' | 'delete', minutes: number, extra: Partial<BindingChange> = {}): BindingChange => ({
  verb, namespace: 'payments', name: NAME, at: at(minutes).toISOString(), username: 'kube-lease',
  ...(verb === 'create' ? { subjects: [{ kind: 'User', name: 'alice@example.com' }] } : {}),
  ...extra,
});

describe('evidenceWindow: the cluster\'s record of a lease\'s bindings fixes its evidence window', () => {
  it('waits for the log\'s delay after the last delete, then takes [create, delete] without findings for an honest item', () => {
    const changes = [change('create', 0), change('delete', 60)];
    expect(evidenceWindow(revoked(), changes, at(62), DELAY)).toEqual({ kind: 'wait', until: at(65) });
    expect(evidenceWindow(revoked(), changes, at(65), DELAY)).toEqual({ kind: 'collect', from: at(0), to: at(60), subject: { kind: 'User', name: 'alice@example.com' }, bindings: revoked().bindings, findings: [] });
  });

  it('a narrowed item is widened back to the record, with a finding; a widened one is kept, without', () => {
    const changes = [change('create', 0), change('delete', 60)];
    const narrowed = evidenceWindow(revoked({ revokedAt: at(1).toISOString() }), changes, at(65), DELAY);
    expect(narrowed).toMatchObject({ kind: 'collect', from: at(0), to: at(60), findings: [`the lease item disagrees with the cluster's record: its window ends at ${at(1).toISOString()}, the last binding was deleted at ${at(60).toISOString()}`] });
    expect(evidenceWindow(revoked({ revokedAt: at(90).toISOString() }), changes, at(65 + 30), DELAY)).toMatchObject({ kind: 'collect', from: at(0), to: at(90), findings: [] });
  });

  it('a create logged without its object (a policy below Request level) says the subject comes from the item', () => {
    const window = evidenceWindow(revoked(), [change('create', 0, { subjects: undefined }), change('delete', 60)], at(65), DELAY);
    expect(window).toMatchObject({ kind: 'collect', findings: ['the cluster\'s log does not show the bindings\' subject: the subject comes from the lease item'] });
  });

  it('a subject of another kind is a finding, and the item\'s subject is read', () => {
    const window = evidenceWindow(revoked(), [change('create', 0, { subjects: [{ kind: 'ServiceAccount', name: 'ci' }] }), change('delete', 60)], at(65), DELAY);
    expect(window).toMatchObject({ kind: 'collect', subject: { kind: 'User', name: 'alice@example.com' }, findings: ['the lease item disagrees with the cluster\'s record: its subject is User "alice@example.com", the bindings were created for ServiceAccount "ci"'] });
  });

  it('without the removal in the log: a bounded wait from the item\'s end, even when the item lost its revokedAt', () => {
    const changes = [change('create', 0)];
    const until = new Date(at(60).getTime() + DELAY + REMOVAL_WAIT_MS);
    expect(evidenceWindow(revoked({ revokedAt: undefined }), changes, at(70), DELAY)).toEqual({ kind: 'wait', until });
    expect(evidenceWindow(revoked(), changes, until, DELAY)).toMatchObject({ kind: 'collect', to: at(60), findings: ['the cluster\'s log does not show the bindings\' removal: the window comes from the lease item'] });
  });

  it('other leases\' bindings and a delete before a re-create do not complete the record', () => {
    const other = change('delete', 30, { name: 'kl-payments-read-ffffffffffffffffffff' });
    expect(evidenceWindow(revoked(), [change('create', 0), other], at(66), DELAY)).toMatchObject({ kind: 'wait' });
    expect(evidenceWindow(revoked(), [change('create', 0), change('delete', 10), change('create', 20)], at(66), DELAY)).toMatchObject({ kind: 'wait' });
  });
});
