/** A catalog for the demo and tests: Jira and ServiceNow, one cluster (the fake API server via KUBECONFIG), two profiles. */
export const DEMO_CATALOG = `version: 1
jira:
  approvedStatuses: [Approved]
  closedStatuses: [Done, Declined]
  fields:
    profile: customfield_10100
    duration: customfield_10101
    namespaces: customfield_10102
servicenow:
  fields:
    profile: u_k8s_profile
    duration: u_k8s_duration
    namespaces: u_k8s_namespaces
subject:
  kind: User
  name: "{email}"
clusters:
  demo: {}
profiles:
  - name: payments-read
    description: Read-only view of the payments services
    cluster: demo
    namespaces: [payments, payments-worker]
    roleRef: { kind: ClusterRole, name: view }
    defaultDuration: 1h
    maxDuration: 4h
  - name: payments-debug
    cluster: demo
    namespaces: [payments]
    roleRef: { kind: Role, name: pod-debugger }
    defaultDuration: 30m
    maxDuration: 2h
`;

/** The demo catalog with Jira change-window fields (start and end). */
export const WINDOW_CATALOG = DEMO_CATALOG.replace('    namespaces: customfield_10102\n', '    namespaces: customfield_10102\n    start: customfield_10103\n    end: customfield_10104\n');

/** The catalog with `payments-debug` ending the subject's sessions at revoke (`onRevoke: { sessions: end }`). */
export function endingSessions(catalog: string): string {
  return catalog.replace('    roleRef: { kind: Role, name: pod-debugger }\n', '    roleRef: { kind: Role, name: pod-debugger }\n    onRevoke: { sessions: end }\n');
}

/** The catalog with the cluster `demo` reading a kube-apiserver audit log file. */
export function withAuditLog(catalog: string, path: string, delay: string): string {
  return catalog.replace('  demo: {}', `  demo:\n    auditLog: { type: file, path: ${JSON.stringify(path)}, delay: ${delay} }`);
}

/** The demo catalog with an audit log (5 min delay) and payments-debug ending sessions: the activity tests' catalog. */
export const AUDITED_CATALOG = endingSessions(withAuditLog(DEMO_CATALOG, '/var/log/kube-apiserver/audit.log', '5m'));

/** The catalog with an `incident-debug` profile that accepts on-call approval (PagerDuty escalation policy PEP0001), asked for in Jira status Emergency. */
export function withOnCall(catalog: string, onCall = '{ escalationPolicies: [PEP0001] }'): string {
  // A Jira issue asks for on-call approval by moving to "Emergency".
  const withStatus = catalog.replace('  closedStatuses: [Done, Declined]\n', '  closedStatuses: [Done, Declined]\n  onCallStatuses: [Emergency]\n');
  return `${withStatus}  - name: incident-debug
    cluster: demo
    namespaces: [payments]
    roleRef: { kind: Role, name: pod-debugger }
    defaultDuration: 30m
    maxDuration: 1h
    justification: { pattern: "^INC-[0-9]+", hint: "start with the incident, e.g. INC-1234" }
    onCall: ${onCall}
`;
}

/** The catalog with a `break-glass-debug` profile: self-approval in Jira status "Break Glass" or a ServiceNow emergency change, at most 30m, once a day. */
export function withBreakGlass(catalog: string): string {
  const withStatus = catalog.replace('  closedStatuses: [Done, Declined]\n', '  closedStatuses: [Done, Declined]\n  breakGlassStatuses: [Break Glass]\n');
  return `${withStatus}  - name: break-glass-debug
    cluster: demo
    namespaces: [payments]
    roleRef: { kind: Role, name: pod-debugger }
    defaultDuration: 1h
    maxDuration: 2h
    breakGlass:
      maxDuration: 30m
      perDay: 1
      justification: { pattern: "^INC-[0-9]+: .{10,}", hint: "INC-1234: what is broken" }
`;
}
