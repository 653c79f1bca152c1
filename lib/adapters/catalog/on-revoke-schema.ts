import * as z from 'zod';
import { STREAM_KINDS } from '../../domain/activity.js';
import { DEFAULT_END_STREAMS, DEFAULT_PODS_PER_CONTROLLER, MAX_PODS_ENDED, type ClusterConfig, type SubjectTemplate } from '../../domain/catalog.js';
import { formatDuration } from '../../domain/duration.js';
import { MIN_IDLE_TIMEOUT_SECONDS } from '../../domain/idle.js';

/**
 * What happens at revoke to the streams (exec, attach, port-forward, proxy upgrades) the subject opened (they
 * outlive the binding): `report` lists them on the ticket; `end` also evicts the pods they run in
 * (the Eviction API, which honours PodDisruptionBudgets), when a ReplicaSet, StatefulSet or
 * DaemonSet recreates them (the audit log must be configured for the cluster). `streams`: the
 * kinds of stream whose pods are evicted (the others are listed); `podsPerController`: the most
 * pods of one controller one revoke evicts.
 */
export const onRevokeSchema = z.strictObject({
  sessions: z.enum(['report', 'end']),
  streams: z
    .array(z.enum(STREAM_KINDS))
    .min(1)
    .refine((kinds) => new Set(kinds).size === kinds.length, 'lists a stream kind twice')
    .default([...DEFAULT_END_STREAMS]),
  podsPerController: z.number().int().min(1).max(MAX_PODS_ENDED).default(DEFAULT_PODS_PER_CONTROLLER),
});

/**
 * What is wrong with a profile's `idleTimeout`: it is read from the cluster's audit log, which names
 * users (not a group's members); shorter than MIN_IDLE_TIMEOUT_SECONDS it would end the access of
 * someone between two commands; at maxDuration or longer, the lease expires before it can be idle.
 */
export function idleTimeoutProblems(
  profile: { readonly idleTimeout?: number | undefined; readonly maxDuration: number; readonly cluster: string },
  cluster: Pick<ClusterConfig, 'auditLog'> | undefined,
  subject: Pick<SubjectTemplate, 'kind'>,
): string[] {
  const timeout = profile.idleTimeout;
  if (timeout === undefined) return [];
  const problems: string[] = [];
  if (timeout < MIN_IDLE_TIMEOUT_SECONDS) problems.push(`must be at least ${formatDuration(MIN_IDLE_TIMEOUT_SECONDS)}: the audit log lags, and a shorter timeout would end access between two commands`);
  if (timeout >= profile.maxDuration) problems.push('must be shorter than maxDuration: a lease would expire before it could be idle');
  if (cluster !== undefined && cluster.auditLog === undefined) problems.push(`needs the audit log of cluster "${profile.cluster}" (clusters.${profile.cluster}.auditLog): requests are only seen there`);
  if (subject.kind === 'Group') problems.push('needs a User subject: the audit log names users, not the members of a group');
  return problems;
}
