import { describe, expect, it } from '@jest/globals';
import { parseCatalog } from '../../lib/adapters/catalog/parse-catalog.js';
import { approvalOf, approvalText } from '../../lib/cli/requester-profiles.js';
import { DEMO_CATALOG, withBreakGlass, withOnCall } from '../support/demo-catalog.js';

/* `kube-lease profiles` tells a requester every way a profile is approved, emergency paths included. */
describe('approval of a profile, as the requester CLI says it', () => {
  const profile = (yaml: string, name: string) => {
    const found = parseCatalog(yaml).profiles.find((p) => p.name === name);
    if (found === undefined) throw new Error(`no profile ${name}`);
    return found;
  };

  it('names the on-call rotations and the incident condition', () => {
    // Arrange
    const onCall = profile(withOnCall(DEMO_CATALOG, '{ escalationPolicies: [PEP0001], schedules: [PSC0001], incidentServices: [PSV0001] }'), 'incident-debug');
    // Act
    const approval = approvalOf(onCall);
    // Assess
    expect(approval.onCall).toEqual(['escalation policy PEP0001 while an incident is open on PSV0001', 'schedule PSC0001 while an incident is open on PSV0001']);
    expect(approval.breakGlass).toEqual([]);
    expect(approvalText(onCall)).toBe('any other person; on call (PagerDuty escalation policy PEP0001 while an incident is open on PSV0001 or schedule PSC0001 while an incident is open on PSV0001)');
  });

  it('names break-glass with its limits', () => {
    const glass = profile(withBreakGlass(DEMO_CATALOG), 'break-glass-debug');
    expect(approvalOf(glass).breakGlass).toEqual(['the requester, for at most 30m, 1 per day']);
    expect(approvalText(glass)).toContain('break-glass: the requester, for at most 30m, 1 per day');
  });

  it('says nothing of emergency paths for a profile without them', () => {
    const plain = profile(DEMO_CATALOG, 'payments-read');
    expect(approvalOf(plain)).toMatchObject({ onCall: [], breakGlass: [] });
    expect(approvalText(plain)).toBe('any other person');
  });
});
