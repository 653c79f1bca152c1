'use strict';
// Stands in for `postman-request` in the Lambda bundles (esbuild alias in serverless.yml).
// jira-client only falls back to it when no `request` option is given, and kube-lease always gives
// its own (lib/adapters/jira/jira-request.ts), so its HTTP stack (psl, mime-db, sshpk, bluebird, …)
// need not ship. Reaching this is a wiring bug, so it fails loudly.
module.exports = function postmanRequestIsNotBundled() {
  throw new Error('postman-request is not bundled: give jira-client a request function (createJiraRequest)');
};
