import { describe, expect, it } from '@jest/globals';
import { bindingName, dnsSlug, isLeaseId, kyvernoTtl, leaseIdFor, scheduleName } from '../../lib/domain/names.js';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

describe('names', () => {
  it('derives the same lease id from the same idempotency key, and different ids from different keys', () => {
    expect(leaseIdFor('jira#OPS-1#100')).toBe(leaseIdFor('jira#OPS-1#100'));
    expect(leaseIdFor('jira#OPS-1#100')).not.toBe(leaseIdFor('jira#OPS-1#101'));
    expect(isLeaseId(leaseIdFor('x'))).toBe(true);
    expect(isLeaseId('../../etc')).toBe(false);
  });

  it('makes DNS-1123 binding names of at most 63 characters, whatever the profile', () => {
    const id = leaseIdFor('k');
    for (const profile of ['payments-read', 'a'.repeat(200), 'Weird_Name!!', '---', '9lives']) {
      const name = bindingName(profile, id);
      expect(name.length).toBeLessThanOrEqual(63);
      expect(name).toMatch(DNS_LABEL);
      expect(name.endsWith(id)).toBe(true);
    }
  });

  it('slugs text to DNS label characters', () => {
    expect(dnsSlug('Payments READ', 63)).toBe('payments-read');
    expect(dnsSlug('-x-', 63)).toBe('x');
  });

  it('writes Kyverno TTLs as absolute times without colons, never before the expiry', () => {
    expect(kyvernoTtl('2026-11-28T10:15:30.000Z')).toBe('2026-11-28T101530Z');
    expect(kyvernoTtl('2026-11-28T10:15:30.001Z')).toBe('2026-11-28T101531Z');
  });

  it('prefixes schedule names', () => {
    expect(scheduleName('kube-lease-prod', 'abc')).toBe('kube-lease-prod-abc');
  });
});
