import * as z from 'zod';
import { ALWAYS_FORBIDDEN_ROLES, SERVICENOW_DEFAULT_APPROVED_STATES, SERVICENOW_DEFAULT_CLOSED_STATES, SUBJECT_PLACEHOLDERS, type Catalog } from '../../domain/catalog.js';
import { parseDuration } from '../../domain/duration.js';
import { isRoleName } from '../../domain/names.js';
import { idleTimeoutProblems, onRevokeSchema } from './on-revoke-schema.js';
import { breakGlassSchema, isLinearRegExp, jiraReviewSchema, onCallSchema, onCallStatusClashes } from './on-call-schema.js';
import './regexp-engine.js';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const serviceNowFieldName = z.string().regex(/^[a-z0-9_]+$/, 'not a ServiceNow field or table name');
/** A profile's name: what the lease records and its comments name it by (stored-text.ts checks it on read). */
export const PROFILE_NAME = /^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$/;
const SECRET_REF = /^(file:|ssm:|secretsmanager:).+/;

const duration = z
  .string()
  .refine((text) => parseDuration(text) !== undefined, {
    message: 'not a duration: use e.g. 90m, 2h, 1h30m, 1d or ISO-8601 PT2H',
  })
  .transform((text) => parseDuration(text) ?? 0);

const subjectTemplate = z.strictObject({
  kind: z.enum(['User', 'Group']),
  name: z
    .string()
    .min(1)
    .refine(
      (template) =>
        [...template.matchAll(/\{([^}]*)\}/g)].every((m) =>
          (SUBJECT_PLACEHOLDERS as readonly string[]).includes(m[1] ?? ''),
        ),
      { message: `unknown placeholder; allowed: ${SUBJECT_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}` },
    ),
});

const person = z.string().min(1).max(256);

export const profileSchema = z.strictObject({
  name: z.string().regex(PROFILE_NAME, 'lowercase letters, digits and dashes, at most 40 characters'),
  description: z.string().max(500).optional(),
  cluster: z.string().min(1),
  namespaces: z.array(z.string().regex(DNS_LABEL, 'not a valid namespace name')).min(1),
  roleRef: z.strictObject({
    kind: z.enum(['Role', 'ClusterRole']),
    name: z.string().min(1).max(253).refine(isRoleName, 'not a Role or ClusterRole name (a path segment: no "/", "%", whitespace, control or hidden character; at most 253 characters)'),
  }),
  defaultDuration: duration,
  maxDuration: duration,
  requesters: z.array(person).min(1).optional(),
  approvers: z.array(person).min(1).optional(),
  /** At least one approver must belong to one of these ITSM groups (checked through the ITSM API). */
  approverGroups: z.array(z.string().min(1).max(200)).min(1).optional(),
  /** Protected namespaces (see `protectedNamespaces`) this profile may still grant in, named one by one. */
  allowProtectedNamespaces: z.array(z.string().regex(DNS_LABEL)).optional(),
  /** The justification must match this pattern (e.g. an incident or change number). */
  justification: z
    .strictObject({
      pattern: z.string().max(500).refine(isLinearRegExp, 'not a regular expression that runs in linear time (no backreferences or lookaheads)'),
      hint: z.string().max(200).optional(),
    })
    .optional(),
  /**
   * Pre-access check: the ticket must link to another ticket (an incident) that is, right now and
   * per the ITSM API, in one of these states. Jira: any issue link; ServiceNow: the reference field.
   */
  linkedTicket: z
    .strictObject({
      jiraStatuses: z.array(z.string().min(1)).min(1).optional(),
      serviceNowStates: z.array(z.string().regex(/^-?\d+$/)).min(1).optional(),
      serviceNowField: serviceNowFieldName.default('parent'),
      serviceNowTable: serviceNowFieldName.default('incident'),
    })
    .optional(),
  dryRun: z.boolean().optional(), // server-side dry run instead of creating the binding
  /** Asked of the API server after a grant (expect yes) and after a revoke (expect no). */
  verify: z
    .strictObject({
      verb: z.string().regex(/^[a-z]+$/, 'a Kubernetes verb such as get, list, create'),
      resource: z.string().regex(/^[a-z][a-z0-9.-]*$/, 'a resource name such as pods'),
      group: z.string().regex(/^([a-z0-9.-]*)$/, 'an API group, "" for the core group').default(''),
      subresource: z.string().regex(/^[a-z]+$/).optional(),
    })
    .optional(),
  subject: subjectTemplate.optional(),
  /** What happens at revoke to the streams the subject opened (see on-revoke-schema.ts). */
  onRevoke: onRevokeSchema.optional(),
  onCall: onCallSchema.optional(),
  breakGlass: breakGlassSchema.optional(),
  /** Revoke a lease early when the audit log shows no request through its bindings for this long. */
  idleTimeout: duration.optional(),
});

const AWS_REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

/** The cluster's API server audit log (activity evidence, live sessions; off without it); `delay`: how far it may lag. */
const auditLog = z.union([
  z.strictObject({
    type: z.literal('cloudwatch'),
    /** EKS: /aws/eks/<cluster name>/cluster, with the `audit` control-plane log type turned on. */
    logGroup: z.string().regex(/^[.\-_/#A-Za-z0-9]{1,512}$/, 'not a CloudWatch Logs log group name'),
    region: z.string().regex(AWS_REGION, 'not an AWS region').optional(),
    delay: duration.default(300),
  }),
  z.strictObject({
    type: z.literal('file'),
    /** A kube-apiserver audit log (--audit-log-path, JSON lines). */
    path: z.string().min(1),
    delay: duration.default(60),
  }),
]);

export const kubeconfigCluster = z.strictObject({
  type: z.literal('kubeconfig').optional(),
  kubeconfig: z
    .string()
    .regex(SECRET_REF, 'use file:<path>, ssm:<parameter name> or secretsmanager:<secret id>')
    .optional(),
  context: z.string().min(1).optional(),
  auditLog: auditLog.optional(),
});

/** An EKS cluster reached with the function's own IAM identity (no kubeconfig, no stored credential). */
const eksCluster = z.strictObject({
  type: z.literal('eks'),
  name: z.string().regex(/^[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$/, 'not an EKS cluster name'),
  region: z.string().regex(AWS_REGION, 'not an AWS region'),
  /** Optional: endpoint and CA, to skip eks:DescribeCluster. Give both or neither. */
  endpoint: z.url({ protocol: /^https$/ }).refine((url) => !/^https:\/\/[^/]*@/.test(url), 'must not contain a user name or password').optional(),
  caData: z.string().min(1).optional(),
  auditLog: auditLog.optional(),
}).refine((c) => (c.endpoint === undefined) === (c.caData === undefined), { message: 'give both endpoint and caData, or neither' });

const cluster = z.union([eksCluster, kubeconfigCluster]);

const jiraFieldId = z.string().regex(/^[A-Za-z0-9_.-]+$/, 'not a Jira field id');
const serviceNowField = z.string().regex(/^[a-z0-9_]+$/, 'not a ServiceNow field name');

export const jiraSection = z.strictObject({
  approvedStatuses: z.array(z.string().min(1)).min(1),
  /** Statuses that end access early (closed, cancelled, declined…). */
  closedStatuses: z.array(z.string().min(1)).default([]),
  onCallStatuses: z.array(z.string().min(1)).default([]), // ask for on-call approval (profiles with onCall)
  breakGlassStatuses: z.array(z.string().min(1)).default([]), // the requester's own break-glass approval
  /** `status`: the approval is the transition into an approved status. `servicedesk`: a Jira Service Management approval with final decision "approved" is required too. */
  approvals: z.enum(['status', 'servicedesk']).default('status'),
  /**
   * Project keys whose issues may request access; an issue of any other project is ignored without
   * a comment. Absent: every project (the start logs a warning).
   */
  projects: z.array(z.string().regex(/^[A-Z][A-Z0-9_]{0,49}$/, 'not a Jira project key')).min(1).optional(),
  /** Issue type names that may request access (e.g. "Access Request"); absent: every type. */
  issueTypes: z.array(z.string().min(1).max(200)).min(1).optional(),
  /** Account ids of automation or app accounts whose approvals count (none by default: only people approve). */
  automationApprovers: z.array(person).default([]),
  review: jiraReviewSchema.optional(), // review tasks of on-call and break-glass leases
  fields: z.strictObject({
    profile: jiraFieldId,
    duration: jiraFieldId.optional(),
    namespaces: jiraFieldId.optional(),
    requester: jiraFieldId.default('reporter'),
    justification: jiraFieldId.default('summary'),
    /** Optional date-time fields bounding the access window. */
    start: jiraFieldId.optional(),
    end: jiraFieldId.optional(),
  }),
});

export const serviceNowSection = z.strictObject({
  /** sys_ids of web-service-only or other non-person accounts whose approvals count (none by default). */
  automationApprovers: z.array(person).default([]),
  /** change_request.state values in which access may be granted (default Scheduled -2, Implement -1). */
  approvedStates: z.array(z.string().regex(/^-?\d+$/)).min(1).default([...SERVICENOW_DEFAULT_APPROVED_STATES]),
  /** change_request.state values that end access early (default Closed 3, Canceled 4). */
  closedStates: z.array(z.string().regex(/^-?\d+$/)).default([...SERVICENOW_DEFAULT_CLOSED_STATES]),
  fields: z.strictObject({
    profile: serviceNowField,
    duration: serviceNowField.optional(),
    namespaces: serviceNowField.optional(),
    requester: serviceNowField.default('requested_by'),
    justification: serviceNowField.default('justification'),
    start: serviceNowField.default('start_date'),
    end: serviceNowField.default('end_date'),
  }),
});

export const catalogSchema = z
  .strictObject({
    version: z.literal(1),
    jira: jiraSection.optional(),
    servicenow: serviceNowSection.optional(),
    subject: subjectTemplate,
    forbiddenRoles: z.array(z.string().min(1)).default([]),
    /** Namespaces no profile may grant in unless it names them in allowProtectedNamespaces. */
    protectedNamespaces: z.array(z.string().regex(DNS_LABEL)).default(['kube-system']),
    /** Most open (scheduled, pending or active) leases one requester may hold at once. */
    maxActiveLeasesPerRequester: z.number().int().min(1).max(100).optional(),
    /** Dry run for the whole deployment: nothing is ever created in a cluster. */
    dryRun: z.boolean().default(false),
    /** Days after which an on-call or break-glass lease whose review task is not done counts as unreviewed. */
    unreviewedAfterDays: z.number().int().min(1).max(365).optional(),
    clusters: z.record(z.string().regex(DNS_LABEL, 'cluster names are DNS labels'), cluster),
    profiles: z.array(profileSchema).min(1),
  })
  .superRefine((catalog, ctx) => {
    if (catalog.jira === undefined && catalog.servicenow === undefined) {
      ctx.addIssue({ code: 'custom', path: [], message: 'configure at least one ticket source: jira or servicenow' });
    }
    const forbidden = new Set([...ALWAYS_FORBIDDEN_ROLES, ...catalog.forbiddenRoles].map((r) => r.toLowerCase()));
    for (const message of onCallStatusClashes(catalog.jira)) ctx.addIssue({ code: 'custom', path: ['jira', 'onCallStatuses'], message });
    const seen = new Set<string>();
    catalog.profiles.forEach((p, index) => {
      const at = (...rest: (string | number)[]) => ['profiles', index, ...rest];
      if (seen.has(p.name)) ctx.addIssue({ code: 'custom', path: at('name'), message: `duplicate profile name "${p.name}"` });
      seen.add(p.name);
      if (!(p.cluster in catalog.clusters)) {
        ctx.addIssue({ code: 'custom', path: at('cluster'), message: `unknown cluster "${p.cluster}" (not under clusters:)` });
      } else if (p.onRevoke?.sessions === 'end' && (catalog.clusters[p.cluster]?.auditLog === undefined || (p.subject ?? catalog.subject).kind === 'Group')) {
        const why = (p.subject ?? catalog.subject).kind === 'Group' ? 'a User subject: the audit log names users, not the members of a group' : `the audit log of cluster "${p.cluster}" (clusters.${p.cluster}.auditLog)`;
        ctx.addIssue({ code: 'custom', path: at('onRevoke', 'sessions'), message: `ending sessions needs ${why}: without it they cannot be found` });
      }
      for (const message of idleTimeoutProblems(p, catalog.clusters[p.cluster], p.subject ?? catalog.subject)) ctx.addIssue({ code: 'custom', path: at('idleTimeout'), message });
      if (forbidden.has(p.roleRef.name.toLowerCase())) {
        ctx.addIssue({ code: 'custom', path: at('roleRef', 'name'), message: `role "${p.roleRef.name}" may never be bound` });
      }
      if (p.maxDuration <= 0) ctx.addIssue({ code: 'custom', path: at('maxDuration'), message: 'must be longer than zero' });
      if (p.defaultDuration <= 0 || p.defaultDuration > p.maxDuration) {
        ctx.addIssue({ code: 'custom', path: at('defaultDuration'), message: 'must be longer than zero and at most maxDuration' });
      }
      const protectedHere = p.namespaces.filter((n) => catalog.protectedNamespaces.includes(n) && !(p.allowProtectedNamespaces ?? []).includes(n));
      if (protectedHere.length > 0) {
        ctx.addIssue({
          code: 'custom',
          path: at('namespaces'),
          message: `protected namespace(s) ${protectedHere.join(', ')}: name them in allowProtectedNamespaces to grant there`,
        });
      }
      const twice = p.namespaces.filter((n, i) => p.namespaces.indexOf(n) !== i);
      if (twice.length > 0) {
        ctx.addIssue({ code: 'custom', path: at('namespaces'), message: `lists namespace ${[...new Set(twice)].map((n) => `"${n}"`).join(', ')} twice` });
      }
    });
  });

// The schema's output and the domain's Catalog must stay one shape: this fails to compile when they drift.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Mutable<T> = T extends readonly (infer U)[] ? Mutable<U>[] : T extends object ? { -readonly [K in keyof T]: Mutable<T[K]> } : T;
const schemaMatchesDomain: Same<Mutable<z.output<typeof catalogSchema>>, Mutable<Catalog>> = true;
void schemaMatchesDomain;
