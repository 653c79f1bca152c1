import * as z from 'zod';
import { STREAM_KINDS } from '../../domain/activity.js';
import { DEFAULT_END_STREAMS, DEFAULT_PODS_PER_CONTROLLER, MAX_PODS_ENDED } from '../../domain/catalog.js';

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
