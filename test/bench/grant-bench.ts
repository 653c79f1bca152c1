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

/** When the last RoleBinding create, and the last ticket comment, of the current grant were answered. */
const answered = { binding: 0, comment: 0 };

/**
 * Notes when each binding create and each ticket comment is answered (through the container's
 * decorate hook): from the first the access works, from the second the ticket says so.
 */
export function watchGrant(marks: { binding: number; comment: number } = answered): <T extends object>(name: string, port: T) => T {
  return <T extends object>(name: string, port: T): T => {
    const watched = name === 'cluster' ? 'applyBinding' : name.startsWith('tickets.') ? 'comment' : undefined;
    if (watched === undefined) return port;
    return new Proxy(port, {
      get(target, property, receiver) {
        const value: unknown = Reflect.get(target, property, receiver);
        if (property !== watched || typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          const result: unknown = await Reflect.apply(value, target, args);
          if (watched === 'applyBinding') marks.binding = performance.now();
          else marks.comment = performance.now();
          return result;
        };
      },
    });
  };
}

/** A stack whose every backend call (Jira, Kubernetes, DynamoDB, EventBridge) takes `latencyMs` more. */
export async function slowStack(latencyMs: number, catalog?: string): Promise<TestStack> {
  const stack = await new TestStack().start({ ...(catalog ? { catalog } : {}), env: { PENDING_GRACE_SECONDS: '3600' }, decorate: watchGrant() });
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
  /** Delivery → webhook answered (access exists, the lease is ACTIVE, the ticket told, the review stored). */
  readonly answered: number[];
  /** Delivery → the last RoleBinding create answered: when the access starts to work. */
  readonly access: number[];
  /** Delivery → the ticket comment answered: when the ticket says the access works. */
  readonly told: number[];
}

/** Grants `iterations` approvals one after another and returns each grant's wall times in ms. */
export async function grantTimes(stack: TestStack, iterations: number, profile: string, namespaces?: string[], prefix = 'BENCH'): Promise<GrantTimes> {
  const times: GrantTimes = { answered: [], access: [], told: [] };
  for (let i = 0; i < iterations; i += 1) {
    const key = `${prefix}-${i + 1}`;
    stack.ticket(key, { customfield_10100: profile, ...(namespaces ? { customfield_10102: namespaces } : {}) });
    const payload = stack.jira.transition(key, 'Approved', bob);
    const started = performance.now();
    answered.binding = 0;
    answered.comment = 0;
    const response = await stack.webhook('jira')(stack.jiraRequest(payload));
    times.answered.push(performance.now() - started);
    if (!response.body.includes('"granted"') || answered.binding === 0 || answered.comment === 0) throw new Error(`grant ${key} did not succeed: ${response.body}`);
    times.access.push(answered.binding - started);
    times.told.push(answered.comment - started);
  }
  return times;
}
