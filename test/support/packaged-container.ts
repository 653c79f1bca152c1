import { memoryEvidenceMac } from '../../lib/adapters/evidence-mac/file-evidence-mac.js';
import { loadConfig } from '../../lib/config.js';
import { buildContainer, type Container } from '../../lib/container.js';
import { fakeParameters, packagedFunction, STAND_IN, type Template } from './packaged-stack.js';
import type { TestStack } from './stack.js';

/**
 * A container for one function of the package, built from exactly the environment the template
 * gives it, next to a TestStack: it shares the stack's store, fakes, clock and audit trail. Only what
 * a deployment points at the outside world is replaced: the ITSM URLs and the catalog (packaged
 * placeholders), AWS_REGION (set by Lambda), and the SSM values. EventBridge is reached through
 * AWS_ENDPOINT_URL_EVENTBRIDGE, which the caller sets; the evidence key is an in-memory one.
 */
export function packagedContainer(template: Template, logicalId: string, stack: TestStack): Container {
  const spec = packagedFunction(template, logicalId);
  const parameters = fakeParameters('test', stack.kube.kubeconfig(stack.kube.url()));
  const env: Record<string, string> = {
    ...spec.env,
    AWS_REGION: STAND_IN.region,
    ACCESS_CATALOG: stack.catalogPath,
    JIRA_BASE_URL: stack.jira.url(),
    SERVICENOW_INSTANCE_URL: stack.servicenow.url(),
    RETRY_BASE_MS: '1',
  };
  return buildContainer(loadConfig(env), {
    clock: stack.clock,
    logger: stack.logger,
    audit: stack.audit,
    metrics: stack.metrics,
    dynamodb: stack.dynamoClient(),
    secretBackends: { ssm: (name) => Promise.resolve(parameters[name]) },
    // The stack's KMS evidence key (the sweep's EVIDENCE_KMS_KEY_ID), in memory: the as-deployed test runs the KMS calls themselves.
    evidenceMac: memoryEvidenceMac(),
  });
}
