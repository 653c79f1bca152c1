import { DeleteRuleCommand, PutRuleCommand, PutTargetsCommand, RemoveTargetsCommand } from '@aws-sdk/client-eventbridge';
import { bob, TestStack } from '../support/stack.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface Stats {
  readonly median: number;
  readonly p99: number;
  readonly n: number;
}

export function stats(values: number[]): Stats {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
  return { median: at(0.5), p99: at(0.99), n: sorted.length };
}

/** AWS calls made through the slowed clients (DynamoDB, EventBridge), for the sequential-order figure. */
export const awsCalls = { count: 0 };

/** When the last RoleBinding create of the current grant was answered: from then on the access works. */
const bindings = { lastAnsweredAt: 0 };

/** Notes when each binding create is answered (through the container's decorate hook). */
function watchBindings<T extends object>(name: string, port: T): T {
  if (name !== 'cluster') return port;
  return new Proxy(port, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (property !== 'applyBinding' || typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        const result: unknown = await Reflect.apply(value, target, args);
        bindings.lastAnsweredAt = performance.now();
        return result;
      };
    },
  });
}

/** A stack whose every backend call (Jira, Kubernetes, DynamoDB, EventBridge) takes `latencyMs` more. */
export async function slowStack(latencyMs: number, catalog?: string): Promise<TestStack> {
  const stack = await new TestStack().start({ ...(catalog ? { catalog } : {}), env: { PENDING_GRACE_SECONDS: '3600' }, decorate: watchBindings });
  stack.jira.latencyMs = latencyMs;
  stack.kube.latencyMs = latencyMs;
  if (latencyMs > 0) {
    stack.dynamoClient().middlewareStack.add((next) => async (args) => {
      awsCalls.count += 1;
      await sleep(latencyMs);
      return next(args);
    }, { step: 'initialize', name: 'benchLatency' });
    const delayed = async () => {
      awsCalls.count += 1;
      await sleep(latencyMs);
      return {};
    };
    stack.eventBridge.on(PutRuleCommand).callsFake(delayed);
    stack.eventBridge.on(PutTargetsCommand).callsFake(delayed);
    stack.eventBridge.on(RemoveTargetsCommand).callsFake(delayed);
    stack.eventBridge.on(DeleteRuleCommand).callsFake(delayed);
  }
  return stack;
}

export interface GrantTimes {
  /** Delivery → webhook answered (access exists and the lease is ACTIVE; the ticket is told right after). */
  readonly answered: number[];
  /** Delivery → the last RoleBinding create answered: when the access starts to work. */
  readonly access: number[];
  /** Delivery → the announcement done (access review, ticket comment, review stored, queue item dropped), in process as local mode does it. */
  readonly announced: number[];
}

/** Grants `iterations` approvals one after another and returns each grant's wall times in ms. */
export async function grantTimes(stack: TestStack, iterations: number, profile: string, namespaces?: string[], prefix = 'BENCH'): Promise<GrantTimes> {
  const times: GrantTimes = { answered: [], access: [], announced: [] };
  for (let i = 0; i < iterations; i += 1) {
    const key = `${prefix}-${i + 1}`;
    stack.ticket(key, { customfield_10100: profile, ...(namespaces ? { customfield_10102: namespaces } : {}) });
    const payload = stack.jira.transition(key, 'Approved', bob);
    const started = performance.now();
    const response = await stack.webhook('jira', { answerOnly: true })(stack.jiraRequest(payload));
    times.answered.push(performance.now() - started);
    times.access.push(bindings.lastAnsweredAt - started);
    // The announcement (access review, comment) follows the answer; it finishes before the next grant.
    await stack.container.settled();
    times.announced.push(performance.now() - started);
    if (!response.body.includes('"granted"')) throw new Error(`grant ${key} did not succeed: ${response.body}`);
  }
  return times;
}
