/** A catalog for the demo and end-to-end tests: one cluster (the fake API server via KUBECONFIG), two profiles. */
export const DEMO_CATALOG = `version: 1
jira:
  approvedStatuses: [Approved]
  fields:
    profile: customfield_10100
    duration: customfield_10101
    namespaces: customfield_10102
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
