import * as z from 'zod';
import { isLeaseId, isRoleName, isSubjectName } from '../../domain/names.js';
import { oneLine, ownPhrase, visibleLine } from '../../domain/own-words.js';
import { PROFILE_NAME } from '../catalog/catalog-schema.js';

/*
 * The stored fields a ticket comment is built from, checked against the shape kube-lease writes
 * them in: a table writer (any code holding one of kube-lease's DynamoDB write roles) can store any
 * text, and what a comment says of it must never be a line of its own. Names and times, which
 * kube-lease always wrote valid and acts on, are refused (the item is unreadable: LeaseStoreError);
 * the rest is made harmless on the read (so that an item an earlier version stored stays readable).
 */

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** A cluster (the catalog's names are DNS labels) or a namespace. */
export const labelName = z.string().regex(DNS_LABEL, 'not a Kubernetes name (DNS label) as kube-lease writes it');
/** A RoleBinding name (DNS subdomain; kube-lease names its own bindings). */
export const objectName = z.string().regex(DNS_SUBDOMAIN, 'not a Kubernetes object name as kube-lease writes it');
/** A Role or ClusterRole name as the catalog allows it (isRoleName). */
export const roleName = z.string().refine(isRoleName, 'not a role name as kube-lease writes it');
/** A subject as the catalog's template renders it (renderSubject and this read share isSubjectName). */
export const subjectName = z.string().refine(isSubjectName, 'not a subject name as kube-lease writes it (one line, no control or hidden character)');
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
/** Outside text no seal covers (approvers, PagerDuty's names, the API server's reason): one line, each hidden or reordering character shown as U+FFFD (see visibleLine). */
export const unsealedText = (max: number) => z.string().transform((text) => visibleLine(text, max));
/** An error text kube-lease writes: one of its own phrases; anything else reads as NOT_OUR_WORDS. */
export const ownError = z.string().transform(ownPhrase);
