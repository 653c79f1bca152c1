import * as z from 'zod';
import { isLeaseId } from '../../domain/names.js';
import { oneLine, ownPhrase } from '../../domain/own-words.js';
import { PROFILE_NAME } from '../catalog/catalog-schema.js';

/*
 * The stored fields a ticket comment is built from, checked against the shape kube-lease writes
 * them in: a table writer (any code holding one of kube-lease's DynamoDB write roles) can store any
 * text, and what a comment says of it must never be a line of its own. Names and times, which
 * kube-lease always wrote valid and acts on, are refused (the item is unreadable: LeaseStoreError);
 * the rest is made harmless on the read (so that an item an earlier version stored stays readable).
 */

const LINE_BREAKING = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** A cluster (the catalog's names are DNS labels) or a namespace. */
export const labelName = z.string().regex(DNS_LABEL, 'not a Kubernetes name (DNS label) as kube-lease writes it');
/** A RoleBinding, pod, container or secret name (DNS subdomain). */
export const objectName = z.string().regex(DNS_SUBDOMAIN, 'not a Kubernetes object name as kube-lease writes it');
/** A pod or service as a stream names it: `[scheme:]name[:port]` through pods/proxy or services/proxy (see proxyName). */
export const streamTarget = z
  .string()
  .max(280)
  .regex(/^((https?):)?[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:[A-Za-z0-9-]{1,15})?$/, 'not a pod or service name as kube-lease writes it');
/** A pod's controller as the revoke records it: `Kind name`. */
export const controllerName = z.string().regex(/^[A-Z][A-Za-z0-9]{0,62} [a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, 'not a controller (Kind name) as kube-lease writes it');
/** A Role or ClusterRole name: a path segment (no `/`, `%`, whitespace or control character), at most 253 characters. */
export const roleName = z
  .string()
  .regex(/^[^/%\s\u0000-\u001f\u007f-\u009f]{1,253}$/u, 'not a role name as kube-lease writes it')
  .refine((name) => name !== '.' && name !== '..', 'not a role name as kube-lease writes it');
/** A subject as the catalog's template renders it (renderSubject): one line, no control character, at most 256 characters. */
export const subjectName = z
  .string()
  .min(1)
  .max(256)
  .refine((name) => !LINE_BREAKING.test(name), 'not a subject name as kube-lease writes it (one line, no control character)');
/** A ticket key as the sources accept it: a Jira issue key (jira-ticket-source's ISSUE_KEY) or a ServiceNow change number. */
export const ticketKeyText = z.string().regex(/^([A-Z][A-Z0-9_]{0,49}-[1-9][0-9]{0,14}|[A-Z]{2,10}\d{4,12})$/, 'not a ticket key as kube-lease writes it');
/** A ticket's URL: http(s), one line, no whitespace. */
export const ticketUrlText = z.string().max(2048).regex(/^https?:\/\/[^\s\u0000-\u001f\u007f-\u009f\u2028\u2029]+$/u, 'not a ticket URL as kube-lease writes it');
/** A catalog profile's name (catalog-schema's PROFILE_NAME). */
export const profileName = z.string().regex(PROFILE_NAME, 'not a profile name as kube-lease writes it');
/** Lease ids (of other open leases). */
export const leaseIds = z.array(z.string().refine(isLeaseId, 'not a lease id as kube-lease writes it'));

/** What the API server is asked after a grant and a revoke, as the catalog's `verify` allows it (catalog-schema.ts). */
export const accessCheck = z.object({
  verb: z.string().regex(/^[a-z]+$/, 'not a verb as kube-lease writes it'),
  resource: z.string().regex(/^[a-z][a-z0-9.-]*$/, 'not a resource as kube-lease writes it'),
  group: z.string().regex(/^[a-z0-9.-]*$/, 'not an API group as kube-lease writes it'),
  subresource: z.string().regex(/^[a-z]+$/, 'not a subresource as kube-lease writes it').optional(),
});

/** A time as kube-lease writes it (`toISOString()`: UTC, milliseconds). */
export const storedTime = z
  .string()
  .refine((t) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(t) && new Date(t).toISOString() === t, 'not a time as kube-lease writes it (toISOString)');
/** A time copied from an audit event (parseAuditEvent): RFC 3339 in UTC, with up to nine fraction digits. */
export const auditTime = z
  .string()
  .refine((t) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/.test(t) && !Number.isNaN(Date.parse(t)), 'not an audit event time as kube-lease writes it');

/** Text from outside kube-lease, read as one line of at most `max` characters (see oneLine). */
export const outsideText = (max: number) => z.string().transform((text) => oneLine(text, max));
/** An error text kube-lease writes: one of its own phrases; anything else reads as NOT_OUR_WORDS. */
export const ownError = z.string().transform(ownPhrase);
