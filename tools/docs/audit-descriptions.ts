/**
 * What each audit event field and kind means, for docs/audit-events.md. Which fields exist, their
 * types and which fields each kind always carries come from lib/domain/audit-schema.ts. The
 * generator refuses a field or kind the schema has and this list lacks, and an entry the schema no
 * longer has.
 */
export const AUDIT_FIELD_DESCRIPTIONS: Readonly<Record<string, string>> = {
  kind: 'what happened (see the next table)',
  at: 'when it was decided',
  actor: 'who or what decided: `jira-webhook:<delivery id>`, `servicenow-webhook:<id>`, `eventbridge`, `local-scheduler`, `sweep`, `cli:<user>`',
  source: 'the ticket system',
  ticket: 'the ticket key (Jira issue key, ServiceNow change number)',
  ticketUrl: 'link to the ticket',
  leaseId: 'the lease (20 hex digits)',
  requester: 'who gets the access (email, else the ITSM user id)',
  approver: 'all approvers, comma-separated (an on-call approval: `pagerduty:<escalation_policy|schedule>/<id>`)',
  approvalKind: 'how the lease was approved: `person`, `on-call` (PagerDuty showed the requester on call) or `break-glass`',
  subject: 'the RBAC subject, `User:<name>` or `Group:<name>`',
  profile: 'the catalog profile',
  cluster: 'the catalog cluster',
  namespaces: 'the namespaces bound',
  role: 'the role bound',
  startsAt: 'when the access starts',
  expiresAt: 'when it ends',
  previousExpiresAt: 'the expiry before an extension',
  reason: 'the justification (grants) or why (everything else)',
  code: 'a denial code (`self-approval`, `duration-over-max`, …), `backend-error`, `backend-unavailable`, `unreadable-lease-item` (a close met a lease item of its ticket it could not read), or a rejection code',
  cause: 'why access ended (revocations, failed revoke attempts): `expiry`, `sweep` (expired, found by the sweep), `early` (ticket closed), `manual`, `dry-run`, `idle` (no request through its bindings for the profile\'s `idleTimeout`)',
  deliveryId: 'the sender\'s delivery id',
  dryRun: 'a dry-run profile: checked by the API server, nothing created',
  warning: 'something to know about an otherwise successful decision (e.g. no rule at the quota)',
  verification:
    'the API server\'s answer to the lease\'s access check, per namespace; after a revoke, `allowedIn` minus `otherLeasesIn` is standing access',
  sessions:
    'at revoke, with the audit log: streams seen, pods whose sessions were ended, pods left and why; `unreadable`: `{count, complete}` of events the log cut off (over its event size) that may be the subject\'s in the lease\'s pods (one page searched: `complete: false` when it did not reach the end), or `{error}`',
  reviewTask:
    'an on-call or break-glass lease\'s review task: `system` (jira, servicenow), `key` (Jira issue key, ServiceNow change task number), `url`, and `event`: `opened` (created, or found after an interrupted attempt), `evidence-added`, `done` (a person other than the requester and kube-lease\'s account closed it as done), `planted` (a task carrying the lease\'s marker that kube-lease\'s account did not create: `key` and `url` are that task\'s; never taken for the lease\'s), `not-counted` (closed, but by the requester, by kube-lease\'s account, by no person, or by someone its history does not show: reported once per closing)',
  evidence:
    'the lease\'s window, events read, requests, the digest of the stored summary (a plain SHA-256: the seal stays on the lease), `reusedAuditIds` (audit IDs that several different requests of the subject carried), `unreadable` (`{count, complete}` of events in the window the log cut off that may be the subject\'s in the lease\'s namespaces: the evidence may miss activity), `findings` (where the lease item disagreed with the cluster\'s record of its bindings, or that record was missing), or `error`',
};

export const AUDIT_KIND_DESCRIPTIONS: Readonly<Record<string, string>> = {
  grant: 'access exists (with `dryRun`: the API server accepted it, nothing was created); its access check follows in a `verify` event',
  verify:
    'the access check of a grant (webhook, activation or sweep), run beside its ACTIVE write; recorded when the ticket is told, or refuses the comment',
  schedule: 'approved for a change window that has not opened yet',
  extend: 'a new approval moved the expiry',
  deny: 'no access; `code` says why',
  revoke: 'access ended (an orphan binding\'s removal names only lease, cluster and namespaces)',
  failure: 'something could not be done; a failed revoke attempt carries the lease fields and `cause`',
  reject: 'a webhook request refused before any work',
  'end-session': 'at revoke, a session the subject opened was ended (`reason` names the pod and its controller)',
  activity: 'a lease\'s activity evidence, posted on its ticket',
  review: 'an on-call or break-glass lease\'s review task was opened, given the activity evidence, or seen done, a task someone else created with its marker was found, or a closing did not count (`reviewTask.event`); at least once: a crash between creating the task and recording it repeats `opened`',
};
