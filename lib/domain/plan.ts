import { isForbiddenRole, type Catalog, type Profile } from './catalog.js';
import { deny, type Decision } from './decision.js';
import { accessWindow, chooseDuration, chooseNamespaces, renderSubject } from './request.js';
import type { Approval, Person, TicketSnapshot } from './ticket.js';

/** The rules every approval kind shares once it counts: the role, namespaces, duration, window and subject. */
export function planFor(ticket: TicketSnapshot, catalog: Catalog, now: Date, profile: Profile, requester: Person, approval: Approval): Decision {
  if (isForbiddenRole(catalog, profile.roleRef.name)) {
    return deny('forbidden-role', `role "${profile.roleRef.name}" may never be bound`);
  }
  const namespaces = chooseNamespaces(profile, ticket.requestedNamespaces);
  if ('kind' in namespaces) return namespaces;
  const duration = chooseDuration(profile, ticket.requestedDuration);
  if (typeof duration !== 'number') return duration;
  const window = accessWindow(ticket, now, duration);
  if ('kind' in window) return window;
  const subject = renderSubject(profile.subject ?? catalog.subject, requester);
  if (subject === undefined) {
    return deny('no-subject', 'the requester has no identity the subject template can use (is their email visible to the integration user?)');
  }
  return {
    kind: 'grant',
    plan: {
      ticket,
      approval,
      requester,
      profile,
      cluster: profile.cluster,
      namespaces,
      roleRef: profile.roleRef,
      subject,
      startsAt: new Date(window.start).toISOString(),
      expiresAt: new Date(window.end).toISOString(),
      endClipped: window.clipped,
      windowEnd: window.windowEnd === undefined ? undefined : new Date(window.windowEnd).toISOString(),
      durationSeconds: duration,
      dryRun: catalog.dryRun || profile.dryRun === true,
    },
  };
}
