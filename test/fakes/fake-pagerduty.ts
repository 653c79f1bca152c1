import { FakeHttpServer, type FakeRequest, type FakeResponse } from './fake-http-server.js';

/** A PagerDuty user as `GET /users` lists it (the fields kube-lease reads, and a few it does not). */
export interface PdUser {
  readonly id: string;
  readonly type: 'user';
  readonly name: string;
  readonly email: string;
  readonly summary: string;
  readonly role: string;
  readonly time_zone: string;
}

/** One on-call entry (`GET /oncalls`): a user on an escalation policy's level, via a schedule or directly. */
export interface PdOnCall {
  readonly user: { readonly id: string; readonly type: 'user_reference'; readonly summary: string };
  readonly escalation_policy: { readonly id: string; readonly type: 'escalation_policy_reference'; readonly summary: string };
  readonly escalation_level: number;
  readonly schedule: { readonly id: string; readonly type: 'schedule_reference'; readonly summary: string } | null;
  /** null: on call indefinitely (an escalation rule that targets the user directly). */
  readonly start: string | null;
  readonly end: string | null;
}

export interface PdIncident {
  readonly id: string;
  readonly type: 'incident';
  readonly incident_number: number;
  readonly status: 'triggered' | 'acknowledged' | 'resolved';
  readonly title: string;
  readonly service: { readonly id: string; readonly type: 'service_reference'; readonly summary: string };
}

/** PagerDuty's error body (REST API v2): `{ "error": { "message", "code", "errors" } }`. */
const error = (message: string, code: number, errors: string[] = []) => ({ error: { message, code, errors } });

/**
 * The PagerDuty REST API v2 routes kube-lease calls: GET /users (query matches name or email,
 * partially), GET /oncalls (user_ids[], escalation_policy_ids[], schedule_ids[], since/until;
 * filters of different kinds must all match), GET /incidents (service_ids[], statuses[]). Lists
 * page with `limit`/`offset`/`more`/`total` (classic pagination); auth is `Token token=<key>`
 * (401 otherwise); `rateLimitNext(n)` answers 429 with PagerDuty's `ratelimit-*` headers and, as
 * PagerDuty documents, no Retry-After.
 */
export class FakePagerDuty extends FakeHttpServer {
  readonly users: PdUser[] = [];
  readonly oncalls: PdOnCall[] = [];
  readonly incidents: PdIncident[] = [];
  /** Seconds `ratelimit-reset` announces on a 429. */
  rateLimitResetSeconds = 1;
  private throttled = 0;
  private nextId = 1;

  constructor(readonly apiKey = 'fake-pd-key') {
    super();
  }

  private id(): string {
    return `P${String(this.nextId++).padStart(6, '0')}`;
  }

  addUser(email: string, name: string): PdUser {
    const user: PdUser = { id: this.id(), type: 'user', name, email, summary: name, role: 'user', time_zone: 'Etc/UTC' };
    this.users.push(user);
    return user;
  }

  /** Puts a user on call on an escalation policy (optionally through a schedule) between `start` and `end` (null: indefinitely). */
  putOnCall(user: PdUser, policy: { id: string; name: string }, options: { schedule?: { id: string; name: string }; level?: number; start?: string | null; end?: string | null } = {}): void {
    this.oncalls.push({
      user: { id: user.id, type: 'user_reference', summary: user.name },
      escalation_policy: { id: policy.id, type: 'escalation_policy_reference', summary: policy.name },
      escalation_level: options.level ?? 1,
      schedule: options.schedule === undefined ? null : { id: options.schedule.id, type: 'schedule_reference', summary: options.schedule.name },
      start: options.start === undefined ? null : options.start,
      end: options.end === undefined ? null : options.end,
    });
  }

  openIncident(service: { id: string; name: string }, title = 'Checkout latency'): PdIncident {
    const incident: PdIncident = { id: this.id(), type: 'incident', incident_number: this.incidents.length + 1, status: 'triggered', title, service: { id: service.id, type: 'service_reference', summary: service.name } };
    this.incidents.push(incident);
    return incident;
  }

  /** The next `n` requests answer 429 Too Many Requests. */
  rateLimitNext(n: number): void {
    this.throttled = n;
  }

  protected route(request: FakeRequest): FakeResponse {
    if (request.headers.authorization !== `Token token=${this.apiKey}`) return { status: 401, body: error('Unauthorized', 2006) };
    if (this.throttled > 0) {
      this.throttled -= 1;
      return {
        status: 429,
        body: error('Rate Limit Exceeded', 2020),
        headers: { 'ratelimit-limit': '960', 'ratelimit-remaining': '0', 'ratelimit-reset': String(this.rateLimitResetSeconds) },
      };
    }
    if (request.method !== 'GET') return { status: 405, body: error('Method Not Allowed', 2100) };
    const q = request.query;
    if (request.path === '/users') {
      const text = (q.get('query') ?? '').toLowerCase();
      return this.page(request, 'users', this.users.filter((u) => u.name.toLowerCase().includes(text) || u.email.toLowerCase().includes(text)));
    }
    if (request.path === '/oncalls') {
      const users = q.getAll('user_ids[]');
      const policies = q.getAll('escalation_policy_ids[]');
      const schedules = q.getAll('schedule_ids[]');
      const since = Date.parse(q.get('since') ?? new Date().toISOString());
      const until = Date.parse(q.get('until') ?? new Date().toISOString());
      if (Number.isNaN(since) || Number.isNaN(until)) return { status: 400, body: error('Invalid Input Provided', 2001, ['Since is not a valid date']) };
      const found = this.oncalls.filter(
        (o) =>
          (users.length === 0 || users.includes(o.user.id)) &&
          (policies.length === 0 || policies.includes(o.escalation_policy.id)) &&
          (schedules.length === 0 || (o.schedule !== null && schedules.includes(o.schedule.id))) &&
          (o.start === null || Date.parse(o.start) <= until) &&
          (o.end === null || Date.parse(o.end) > since),
      );
      return this.page(request, 'oncalls', found);
    }
    if (request.path === '/incidents') {
      const services = q.getAll('service_ids[]');
      const statuses = q.getAll('statuses[]');
      return this.page(request, 'incidents', this.incidents.filter((i) => (services.length === 0 || services.includes(i.service.id)) && (statuses.length === 0 || statuses.includes(i.status))));
    }
    return { status: 404, body: error('Not Found', 2100) };
  }

  /** Classic pagination: `limit` (default 25, at most 100), `offset`, `more`, `total` (null unless `total=true`). */
  private page(request: FakeRequest, key: string, all: readonly unknown[]): FakeResponse {
    const limit = Math.min(100, Math.max(1, Number(request.query.get('limit') ?? '25') || 25));
    const offset = Math.max(0, Number(request.query.get('offset') ?? '0') || 0);
    const records = all.slice(offset, offset + limit);
    return {
      status: 200,
      body: { [key]: records, limit, offset, more: offset + records.length < all.length, total: request.query.get('total') === 'true' ? all.length : null },
    };
  }
}
