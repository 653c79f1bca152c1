import { markIntegration, type Approval, type Person } from '../../domain/ticket.js';
import { TicketNotFoundError, TicketSourceError } from '../../errors.js';
import { toPerson } from './jira-issue.js';

/**
 * kube-lease's own Jira account: the one whose credentials it uses (`JIRA_EMAIL`). Its transitions
 * and approvals are never approvals. Changelog and approval authors carry its accountId (Cloud) or
 * name (Server/DC), and often no email (hidden by the profile's visibility), so the account is read
 * with `GET /myself`: once per cold start, beside the first issue read, and kept; a failure is not
 * kept (the next read tries again) and fails the read of an approved ticket (503, never a grant).
 */
export class JiraIntegrationAccount {
  private me: Promise<Person> | undefined;

  constructor(
    /** `GET /rest/api/2/myself`, through the source's retrying request. */
    private readonly readMyself: () => Promise<unknown>,
    private readonly email: string | undefined,
  ) {}

  /** Starts (or joins) the one read of the account. */
  account(): Promise<Person> {
    if (this.me === undefined) {
      const read = this.readMyself().then(
        (raw) => {
          const person = toPerson(raw);
          if (person === undefined) throw new TicketSourceError('Jira returned its own account (GET /myself) in an unexpected shape', undefined);
          return person;
        },
        (error: unknown) => {
          // A 404 here is no missing ticket: the account could not be read.
          throw error instanceof TicketNotFoundError ? new TicketSourceError('Jira did not return its own account (GET /myself)', 404, { cause: error }) : error;
        },
      );
      read.catch(() => {
        if (this.me === read) this.me = undefined;
      });
      this.me = read;
    }
    return this.me;
  }

  /** Whether `person` is kube-lease's own account (by id, or by `JIRA_EMAIL`); fails when the account cannot be read. */
  async isOwn(person: Person | undefined): Promise<boolean> {
    if (person === undefined) return false;
    const self = await this.account();
    const email = this.email?.toLowerCase();
    return person.id === self.id || (email !== undefined && person.email?.toLowerCase() === email);
  }

  /** The approval with kube-lease's own account marked (see `Person.integration`), by id or by `JIRA_EMAIL`. */
  async mark(approval: Approval | undefined, me: Promise<Person>): Promise<Approval | undefined> {
    if (approval === undefined) return undefined;
    const self = await me;
    const email = this.email?.toLowerCase();
    return markIntegration(approval, (p) => p.id === self.id || (email !== undefined && p.email?.toLowerCase() === email));
  }
}
