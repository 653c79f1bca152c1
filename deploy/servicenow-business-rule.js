/*
 * ServiceNow business rule for kube-lease (paste into System Definition → Business Rules).
 *
 *   Table:     Change Request [change_request]
 *   When:      after, Update, Advanced, "Run asynchronously" (async) so users never wait on it
 *   Condition: current.approval.changes() || current.state.changes() || current.u_k8s_profile.changes()
 *              (use the field your catalog maps as servicenow.fields.profile in place of u_k8s_profile)
 *
 * The script keeps ordinary changes silent: a change that requests no access calls kube-lease only
 * when it is closed, canceled or its approval rejected (one hint, which kube-lease answers without a
 * work note), so that access of a change whose profile was cleared after the grant still ends.
 *
 * System properties it reads (System Properties → All, all with Read roles: admin):
 *   x_kube_lease.webhook_url     https://<api id>.execute-api.<region>.amazonaws.com/webhooks/servicenow
 *   x_kube_lease.webhook_secret  the same value as SERVICENOW_WEBHOOK_SECRET on the AWS side
 *   x_kube_lease.profile_field   the catalog's servicenow.fields.profile (default u_k8s_profile)
 *   x_kube_lease.closed_states   the catalog's servicenow.closedStates, comma-separated (default 3,4)
 *
 * It sends only a hint (which change changed); kube-lease re-reads the change, its requester, its
 * approvals and its audit history through the Table API and decides from those. The request is signed:
 *   X-KubeLease-Timestamp: Unix time in seconds
 *   X-KubeLease-Delivery:  a GUID, so a repeated delivery is recognised
 *   X-KubeLease-Signature: base64 HMAC-SHA256 over "<timestamp>.<delivery>.<body>" with the shared secret
 * The delivery id is signed too, so a captured request cannot be sent again under another id.
 * kube-lease rejects a timestamp more than 5 minutes away from its clock.
 */
(function executeRule(current /* GlideRecord */) {
  var url = gs.getProperty('x_kube_lease.webhook_url');
  var secret = gs.getProperty('x_kube_lease.webhook_secret');
  var profileField = gs.getProperty('x_kube_lease.profile_field', 'u_k8s_profile');
  var closedStates = gs.getProperty('x_kube_lease.closed_states', '3,4').split(',');
  var closing = (current.state.changes() && closedStates.indexOf(current.getValue('state')) >= 0) ||
    (current.approval.changes() && current.getValue('approval') == 'rejected');
  // Not an access request (and not the close or rejection that must end any access it had): say nothing.
  if (current[profileField].nil() && !closing) return;
  if (!url || !secret) {
    gs.error('kube-lease: x_kube_lease.webhook_url or x_kube_lease.webhook_secret is not set; change ' + current.getValue('number') + ' not sent');
    return;
  }

  var body = JSON.stringify({
    sys_id: current.getUniqueValue(),
    number: current.getValue('number'),
    table: 'change_request',
    event: 'update'
  });
  var timestamp = String(Math.floor(new GlideDateTime().getNumericValue() / 1000));
  var delivery = gs.generateGUID();
  // generateMac takes the key base64-encoded and returns the MAC base64-encoded.
  var signature = new GlideCertificateEncryption().generateMac(
    GlideStringUtil.base64Encode(secret), 'HmacSHA256', timestamp + '.' + delivery + '.' + body);

  var request = new sn_ws.RESTMessageV2();
  request.setEndpoint(url);
  request.setHttpMethod('POST');
  request.setHttpTimeout(10000);
  request.setRequestHeader('Content-Type', 'application/json');
  request.setRequestHeader('X-KubeLease-Timestamp', timestamp);
  request.setRequestHeader('X-KubeLease-Signature', signature);
  request.setRequestHeader('X-KubeLease-Delivery', delivery);
  request.setRequestBody(body);

  try {
    var response = request.execute();
    var status = response.getStatusCode();
    if (status >= 300) {
      // 4xx: the request is wrong (secret, clock skew); 5xx: kube-lease could not finish and
      // nothing was granted. This rule does not retry: update the change again to resend.
      gs.error('kube-lease: webhook for ' + current.getValue('number') + ' answered ' + status + ': ' + response.getBody());
    }
  } catch (e) {
    gs.error('kube-lease: webhook for ' + current.getValue('number') + ' failed: ' + e);
  }
})(current);
