import { deniedMessage } from '../../domain/messages.js';
import type { LinkedTicket, Person } from '../../domain/ticket.js';
import { TicketSourceError } from '../../errors.js';

/*
 * The ticket system as a requester uses it, with their own account: who am I, file a request,
 * read its state back, list mine. Never kube-lease's integration account.
 */

/** A request as filed: the catalog's mapped fields, with values the pre-check accepted. */
export interface FiledRequest {
  readonly profile: string;
  readonly namespaces: readonly string[] | undefined;
  readonly duration: string | undefined;
  readonly justification: string;
  /** A one-line title (Jira summary, ServiceNow short_description). */
  readonly title: string;
  /** The ticket named with `--link`; ServiceNow: the profile's `linkedTicket` field and table it goes in. */
  readonly link: (LinkedTicket & { readonly field?: string | undefined; readonly table?: string | undefined }) | undefined;
  /** Jira: where to file. */
  readonly project?: string | undefined;
  readonly issueType?: string | undefined;
}

/** Where a filed request stands, as the ticket system says. */
export interface RequestStatus {
  readonly key: string;
  readonly url: string;
  /** `approved` and `closed` by the catalog's statuses/states; `denied` when the approval was declined or kube-lease's last word is a denial. */
  readonly state: 'open' | 'approved' | 'closed' | 'denied';
  readonly statusText: string;
  readonly profile: string | undefined;
  readonly namespaces: readonly string[] | undefined;
  readonly duration: string | undefined;
  /** Why it was denied: the approval's decision, or kube-lease's comment. */
  readonly reason?: string | undefined;
  readonly created?: string | undefined;
}

export interface RequesterTickets {
  readonly source: 'jira' | 'servicenow';
  /** The requester's own account; fails on wrong credentials. */
  whoami(): Promise<Person>;
  /** The ticket named with `--link` and its state now; undefined when it does not exist (or is not visible). */
  linkedTicket(key: string, table?: string): Promise<LinkedTicket | undefined>;
  file(request: FiledRequest, requester: Person): Promise<{ readonly key: string; readonly url: string }>;
  status(key: string): Promise<RequestStatus>;
  /** The requester's own open access requests (filed by them, naming a profile, not closed). */
  mine(requester: Person): Promise<RequestStatus[]>;
}

/** The text kube-lease's denial comments start with: `deniedMessage`'s, up to the reason. */
export const DENIAL_PREFIX = deniedMessage('\u0000').split('\u0000')[0] ?? '';

/** kube-lease's reason in a ticket comment that is a denial; undefined for any other comment. */
export function denialIn(comment: string): string | undefined {
  const text = comment.trim();
  return DENIAL_PREFIX !== '' && text.startsWith(DENIAL_PREFIX) ? text.slice(DENIAL_PREFIX.length).replace(/\.$/, '') : undefined;
}

/** How long one of the requester's calls may take. */
const REQUESTER_TIMEOUT_MS = 15_000;

/** What one of the requester's own calls answered: its status, its body as text and as JSON (undefined when none or not JSON). */
export interface RequesterAnswer {
  readonly status: number;
  readonly ok: boolean;
  readonly raw: string;
  readonly json: unknown;
}

/**
 * One JSON call to the requester's ticket system with their own basic credentials, bounded by a
 * timeout. A call that gets no answer is a TicketSourceError naming the system and what was being
 * done; any answer is returned for the caller to judge.
 */
export async function requesterCall(
  system: string,
  baseUrl: string,
  credentials: { readonly user: string; readonly secret: string },
  request: { readonly method: string; readonly path: string; readonly what: string; readonly body?: unknown },
): Promise<RequesterAnswer> {
  const { method, path, what, body } = request;
  let response: Response;
  try {
    response = await fetch(`${baseUrl.replace(/\/+$/, '')}${path}`, {
      method,
      headers: {
        accept: 'application/json',
        authorization: `Basic ${Buffer.from(`${credentials.user}:${credentials.secret}`).toString('base64')}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(REQUESTER_TIMEOUT_MS),
    });
  } catch (error) {
    throw new TicketSourceError(`could not reach ${system} at ${baseUrl} (${what}): ${error instanceof Error ? error.message : String(error)}`, undefined, { cause: error });
  }
  const raw = await response.text();
  let json: unknown;
  try {
    json = raw === '' ? undefined : JSON.parse(raw);
  } catch {
    json = undefined;
  }
  return { status: response.status, ok: response.ok, raw, json };
}


