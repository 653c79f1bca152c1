import { describe, expect, it } from '@jest/globals';
import type { ServiceNowCatalog } from '../../lib/domain/catalog.js';
import type { ServiceNowClient } from '../../lib/sources/servicenow/servicenow-client.js';
import { ServiceNowTicketSource } from '../../lib/sources/servicenow/servicenow-ticket-source.js';

/*
 * Review of issue 23 item 2 (offensive: someone with code execution in the webhook function, who
 * holds the ServiceNow integration user's password). With the `itil` role the setup page recommends,
 * that user may be able to set another person's `sysapproval_approver` record to approved (or insert
 * one). The record then names the person as approver; only `sys_updated_by` shows that kube-lease's
 * own account made the decision. An approval the integration user made is no approval (item 2).
 * Regression test since the fix: such a record's approver is marked as the integration account.
 */

const CHANGE = 'c'.repeat(32);
const BOB = 'b'.repeat(32);
const ALICE = 'a'.repeat(32);

const mapping: ServiceNowCatalog = {
  automationApprovers: [],
  approvedStates: ['-2'],
  closedStates: ['3', '4'],
  fields: { profile: 'u_k8s_profile', requester: 'requested_by', justification: 'justification', start: 'start_date', end: 'end_date' },
};

function stubClient(approvalUpdatedBy: string): ServiceNowClient {
  const change = { sys_id: CHANGE, number: 'CHG0001234', state: '-2', approval: 'approved', type: 'normal', requested_by: ALICE, u_k8s_profile: 'payments-read', justification: 'debug' };
  const users: Record<string, Record<string, string>> = {
    [ALICE]: { sys_id: ALICE, user_name: 'alice', email: 'alice@example.com', name: 'Alice', active: 'true', web_service_access_only: 'false', internal_integration_user: 'false' },
    [BOB]: { sys_id: BOB, user_name: 'bob', email: 'bob@example.com', name: 'Bob', active: 'true', web_service_access_only: 'false', internal_integration_user: 'false' },
  };
  const client = {
    getRecord: (table: string, sysId: string) => Promise.resolve(table === 'sys_user' ? users[sysId] : change),
    query: (table: string) => {
      if (table === 'change_request') return Promise.resolve([change]);
      if (table === 'sysapproval_approver') {
        // Bob's approval record, set to approved by kube-lease's own account.
        return Promise.resolve([{ sys_id: 'd'.repeat(32), approver: BOB, state: 'approved', sys_updated_on: '2026-01-01 10:00:00', sys_updated_by: approvalUpdatedBy, sys_created_by: 'system' }]);
      }
      if (table === 'sys_audit') return Promise.resolve([{ fieldname: 'approval', newvalue: 'approved', record_checkpoint: '3', sys_created_on: '2026-01-01 10:00:01' }]);
      return Promise.resolve([]);
    },
    patch: () => Promise.resolve(undefined),
  };
  return client as unknown as ServiceNowClient;
}

describe('review: a ServiceNow approval record set by the integration user', () => {
  it('is marked as kube-lease\'s own account, never counted as the named person\'s approval', async () => {
    const source = new ServiceNowTicketSource(stubClient('kube-lease.integration'), mapping, 'https://example.service-now.com', 'kube-lease.integration');
    const ticket = await source.getTicket('CHG0001234');
    expect(ticket.approval?.approvers.every((a) => a.integration === true)).toBe(true);
  });

  it('still counts the person when they made the decision themselves', async () => {
    const source = new ServiceNowTicketSource(stubClient('bob'), mapping, 'https://example.service-now.com', 'kube-lease.integration');
    const ticket = await source.getTicket('CHG0001234');
    expect(ticket.approval?.approvers.map((a) => [a.id, a.integration])).toEqual([[BOB, undefined]]);
  });
});
