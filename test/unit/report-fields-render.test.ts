import { describe, expect, it } from '@jest/globals';
import { renderCsvReport } from '../../lib/adapters/report/csv-report.js';
import { MIN_BAR } from '../../lib/adapters/report/html-timeline.js';
import { renderReport } from '../../lib/adapters/report/render-report.js';
import { buildAccessReport, type AccessReport } from '../../lib/domain/access-report.js';
import { ReportRequestError } from '../../lib/errors.js';
import { EXAMPLE_NOW, EXAMPLE_PERIOD, denialRecord, evidenceOf, exampleDenials, exampleLeases, leaseRecord } from '../support/access-report-example.js';

const HOSTILE = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">';
const alice = { id: 'u-alice', email: 'alice@example.com' };
const times = { created: '2026-11-03T10:00:00.000Z', started: '2026-11-03T10:00:01.000Z', expires: '2026-11-03T12:00:01.000Z', ended: '2026-11-03T11:00:00.000Z' };
const summary = {
  requests: 3,
  byRequest: [{ verb: 'get', resource: 'pods', namespace: 'payments', count: 2 }],
  sessions: [{ kind: 'exec' as const, namespace: 'payments', pod: 'api-1', command: HOSTILE, at: '2026-11-03T10:10:00.000Z', allowed: true }],
  secretsRead: [{ namespace: 'payments', name: 'db', verb: 'get', count: 1 }],
  denied: [{ verb: 'delete', resource: 'pods', namespace: 'payments', count: 1 }],
  omitted: 0,
};

/** One lease with every new field, whose user-written text is hostile; one older lease without them; a denial with people and one without. */
function fieldsReport(): AccessReport {
  const full = leaseRecord({ id: 'c0000000000000000001', requester: alice, ticket: 'OPS-1', ...times, cause: 'manual', endedBy: 'cli:ops-lead', endNote: '=HYPERLINK("http://evil.example")', justification: HOSTILE, approvalKind: 'break-glass', evidence: evidenceOf(times.started, times.ended, summary) });
  const old = leaseRecord({ id: 'c0000000000000000002', requester: alice, ticket: 'OPS-2', ...times, cause: 'manual', justification: '' });
  const oldEnd = { ...old, history: old.history.filter((h) => h.to !== 'REVOKED') };
  const denials = [
    denialRecord('OPS-3', 'self-approval', '2026-11-03T10:00:00.000Z', '-2+3', { requester: { id: '@evil', displayName: 'x' }, approvers: [{ id: '+cmd' }], approvalKind: 'person' }),
    denialRecord('OPS-4', 'self-approval', '2026-11-03T10:05:00.000Z', HOSTILE),
  ];
  return buildAccessReport({ leases: [full, oldEnd], denials, period: EXAMPLE_PERIOD, now: EXAMPLE_NOW });
}

const factsOf = (html: string, id: string): string => html.match(new RegExp(`<tr class="facts" data-facts-for="${id}">[\\s\\S]*?</tr>`))?.[0] ?? '';

describe('access report HTML: the new fields', () => {
  it('shows justification, who ended the lease and why, and the activity, with user text escaped', () => {
    // Act
    const html = renderReport(fieldsReport(), 'html');
    const facts = factsOf(html, 'c0000000000000000001');
    // Assess
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(facts.replace(/<wbr>/g, '')).toContain('<dd data-fact="justification">&#60;script&#62;window.__pwned=1&#60;/script&#62;&#60;img src=x onerror=&#34;window.__pwned=2&#34;&#62;</dd>');
    expect(facts).toContain('an operator (CLI): ops-lead<br>reason: =HYPERLINK(&#34;http:/<wbr>/<wbr>evil.example&#34;)');
    expect(facts).toContain('<b>Requests</b> 3: get pods in payments ×2');
    expect(facts).toContain('<b>Secrets read</b> payments/<wbr>db (get ×1)');
    expect(facts).toContain('<b>Refused</b> delete pods in payments ×1');
    expect(facts).toMatch(/<b>Sessions<\/b> exec into payments\/<wbr>api-1: &#34;&#60;script&#62;/);
    // Not verified: shown as stored, and said so.
    expect(facts).toContain('evidence no seal: not verifiable</span> <span class="warn">(the summary as stored, not vouched for)</span>');
    expect(html).toMatch(/<tr data-lease-id="c0000000000000000001"[^>]*>(?:(?!<\/tr>)[\s\S])*<span class="tag o-late">break-glass<\/span>/);
  });

  it('says "not recorded" for an older lease without justification, end actor or evidence, never leaving it blank', () => {
    // Act
    const facts = factsOf(renderReport(fieldsReport(), 'html'), 'c0000000000000000002');
    // Assess
    expect(facts).toContain('<dd data-fact="justification"><span class="muted">not recorded</span></dd>');
    expect(facts).toContain('<dd data-fact="ended-by"><span class="muted">not recorded</span></dd>');
    expect(facts).toContain('not recorded: no activity evidence is stored for this lease');
  });

  it('lists each denial with its requester, approvers and approval kind, and "not recorded" for an older one', () => {
    // Act
    const html = renderReport(fieldsReport(), 'html');
    const rows = html.match(/<table id="denials">[\s\S]*?<\/table>/)?.[0] ?? '';
    // Assess
    expect(rows).toContain('<th>Requester</th><th>Approvers</th><th>Approval</th>');
    expect(rows).toContain('<td>@<wbr>evil</td><td>+cmd</td><td>person</td>');
    expect(rows).toContain('<td><span class="muted">not recorded</span></td><td><span class="muted">not recorded</span></td><td><span class="muted">not recorded</span></td>');
    expect(rows).toContain('&#60;script&#62;');
  });
});

describe('access report CSV: the new fields', () => {
  it('writes the new lease columns, "not recorded" where a record has no value, and defuses formulas in user text', () => {
    // Act
    const [header, ...lines] = renderReport(fieldsReport(), 'csv').split('\r\n');
    const columns = header?.split(',') ?? [];
    const cell = (line: string | undefined, name: string): string | undefined => {
      // Split on commas outside quotes.
      const cells = (line ?? '').match(/("([^"]|"")*"|[^,]*)(,|$)/g)?.map((c) => c.replace(/,$/, '')) ?? [];
      return cells[columns.indexOf(name)];
    };
    const [full, old] = lines;
    // Assess
    expect(columns.slice(-18)).toEqual(['justification', 'ended_by', 'ended_by_kind', 'end_reason', 'end_requested_by', 'activity_status', 'activity_error', 'activity_from', 'activity_to', 'activity_requests', 'activity_by_request', 'activity_sessions', 'activity_secrets_read', 'activity_refused', 'activity_omitted', 'activity_elsewhere', 'unreviewed', 'evidence_unreadable']);
    expect(cell(full, 'justification')).toBe(`"${HOSTILE.replace(/"/g, '""')}"`);
    expect(cell(full, 'ended_by')).toBe('cli:ops-lead');
    expect(cell(full, 'ended_by_kind')).toBe('operator');
    expect(cell(full, 'end_reason')).toBe(`"'=HYPERLINK(""http://evil.example"")"`);
    expect(cell(full, 'approval_kind')).toBe('break-glass');
    expect(cell(full, 'activity_requests')).toBe('3');
    expect(cell(full, 'activity_refused')).toBe('delete pods in payments ×1');
    expect(cell(old, 'justification')).toBe('not recorded');
    expect(cell(old, 'ended_by')).toBe('not recorded');
    expect(cell(old, 'activity_status')).toBe('not recorded');
  });

  it('prefixes every cell that starts with = + - @ in user text, in both tables', () => {
    // Prepare
    const leases = ['=1+1', '+1', '-1', '@SUM(A1)'].map((justification, i) => leaseRecord({ id: `c00000000000000000${10 + i}`, requester: alice, ticket: `OPS-${10 + i}`, ...times, justification }));
    const report = buildAccessReport({ leases, denials: [denialRecord('OPS-3', 'self-approval', '2026-11-03T10:00:00.000Z', '-2+3', { requester: { id: '@evil' }, approvers: [{ id: '+cmd' }, { id: '=x' }] })], period: EXAMPLE_PERIOD, now: EXAMPLE_NOW });
    // Act
    const csv = renderReport(report, 'csv');
    const denials = renderReport(report, 'csv', 'denials');
    // Assess
    for (const text of ['=1+1', '+1', '-1', '@SUM(A1)']) expect(csv).toContain(`,'${text},`);
    expect(denials.split('\r\n')).toEqual(['decided_at,source,ticket,code,reason,requester,approvers,approval_kind', "2026-11-03T10:00:00.000Z,jira,OPS-3,self-approval,'-2+3,'@evil,'+cmd; =x,not recorded", '']);
  });

  it('writes the denials table with its people, and refuses an unknown table', () => {
    // Act
    const lines = renderCsvReport(buildAccessReport({ leases: [], denials: exampleDenials(), period: EXAMPLE_PERIOD, now: EXAMPLE_NOW }), 'denials').split('\r\n');
    // Assess
    expect(lines[0]).toBe('decided_at,source,ticket,code,reason,requester,approvers,approval_kind');
    expect(lines[2]).toBe('2026-11-03T08:01:00.000Z,jira,OPS-1207,duration-over-max,asked for 24h; payments-debug allows at most 8h,alice@example.com,bob@example.com,person');
    expect(lines[4]).toBe('2026-11-06T17:45:00.000Z,jira,OPS-1228,self-approval,the requester approved their own request,not recorded,not recorded,not recorded');
    expect(() => renderReport(fieldsReport(), 'csv', 'summary' as 'leases')).toThrow(ReportRequestError);
  });
});

describe('access report JSON: the new fields', () => {
  it('holds every new field, null where not recorded, and the denials with their people', () => {
    // Act
    const parsed = JSON.parse(renderReport(fieldsReport(), 'json')) as AccessReport;
    const [full, old] = parsed.leases;
    // Assess
    expect(full).toMatchObject({ justification: HOSTILE, endedBy: 'cli:ops-lead', endedByKind: 'operator', endReason: '=HYPERLINK("http://evil.example")', approvalKind: 'break-glass', activityStatus: 'recorded', activity: { requests: 3, refused: summary.denied } });
    expect(old).toMatchObject({ justification: null, endedBy: null, endedByKind: null, activityStatus: 'not recorded', activity: null, activityError: null });
    expect(parsed.denials.map((d) => [d.requester, d.approvers, d.approvalKind])).toEqual([
      ['@evil', ['+cmd'], 'person'],
      [null, null, null],
    ]);
  });
});

describe('access report timeline: short leases in a long period', () => {
  const thirtyDays = { from: new Date('2026-10-10T00:00:00.000Z'), to: new Date('2026-11-09T00:00:00.000Z') };
  const short = leaseRecord({ id: 'c0000000000000000020', requester: alice, ticket: 'OPS-20', created: '2026-11-03T10:00:00.000Z', started: '2026-11-03T10:00:01.000Z', expires: '2026-11-03T10:05:01.000Z', ended: '2026-11-03T10:05:02.000Z' });
  const long = leaseRecord({ id: 'c0000000000000000021', requester: alice, ticket: 'OPS-21', created: '2026-10-20T00:00:00.000Z', started: '2026-10-20T00:00:01.000Z', expires: '2026-10-25T00:00:01.000Z', ended: '2026-10-25T00:00:02.000Z' });

  it('draws a 5-minute lease of a 30-day period wide enough to see and click, linked to a day view where it reads as 5 minutes', () => {
    // Prepare
    const report = buildAccessReport({ leases: [short, long], denials: [], period: thirtyDays, now: EXAMPLE_NOW });
    // Act
    const html = renderReport(report, 'html');
    // Assess: on the timeline, a bar at least MIN_BAR wide that links to its day.
    const overview = html.match(/<svg class="timeline" [\s\S]*?<\/svg>/)?.[0] ?? '';
    const bar = overview.match(/<a href="#day-2026-11-03"><rect class="bar o-on-time" data-lease-id="c0000000000000000020" x="[\d.]+" y="[\d.]+" width="([\d.]+)"/);
    expect(Number(bar?.[1])).toBeGreaterThanOrEqual(MIN_BAR);
    // The long lease is readable as it is: linked to its row, not in the day view.
    expect(overview).toContain('<a href="#lease-c0000000000000000021"><rect class="bar o-on-time" data-lease-id="c0000000000000000021"');
    // The day view: that day on a 24-hour axis, the bar labelled with its ticket and length, linked to the table row.
    const day = html.match(/<div class="day" id="day-2026-11-03">[\s\S]*?<\/div>/)?.[0] ?? '';
    expect(day).toContain('Tue 2026-11-03');
    expect(day).toContain('<a href="#lease-c0000000000000000020"><rect class="bar o-on-time" data-lease-id="c0000000000000000020"');
    expect(day).toContain('OPS-20 · 5 min 1 s');
    const width = Number(day.match(/data-lease-id="c0000000000000000020" x="[\d.]+" y="[\d.]+" width="([\d.]+)"/)?.[1]);
    expect(width).toBeGreaterThanOrEqual(MIN_BAR);
    expect(html).toContain('<tr data-lease-id="c0000000000000000020" data-outcome="on-time" id="lease-c0000000000000000020"');
    expect(html.match(/<div class="day"/g)).toHaveLength(1);
  });

  it('has no day view when every lease is wide enough, or the period is one day', () => {
    // Act
    const week = renderReport(buildAccessReport({ leases: [long], denials: [], period: thirtyDays, now: EXAMPLE_NOW }), 'html');
    const oneDay = renderReport(buildAccessReport({ leases: [short], denials: [], period: { from: new Date('2026-11-03T00:00:00.000Z'), to: new Date('2026-11-04T00:00:00.000Z') }, now: EXAMPLE_NOW }), 'html');
    // Assess
    expect(week).not.toContain('class="day"');
    expect(oneDay).not.toContain('class="day"');
    expect(oneDay).toContain('<a href="#lease-c0000000000000000020"><rect');
  });

  it('puts the example week\'s short leases (40 minutes to a closed ticket, the failed, the 5-minute break-glass, the dry run) in the day view', () => {
    // Act
    const html = renderReport(buildAccessReport({ leases: exampleLeases(), denials: [], period: EXAMPLE_PERIOD, now: EXAMPLE_NOW }), 'html');
    // Assess
    expect([...html.matchAll(/<div class="day" id="day-([\d-]+)">/g)].map((m) => m[1])).toEqual(['2026-11-03', '2026-11-04', '2026-11-05', '2026-11-06']);
  });
});

describe('access report day view: edges', () => {
  it('leaves out of the day view a lease whose access begins after the period, which has no time in it', () => {
    // Prepare: requested in the period, scheduled to start after it.
    const later = leaseRecord({ id: 'c0000000000000000030', requester: alice, ticket: 'OPS-30', created: '2026-11-08T23:00:00.000Z', started: '2026-11-09T02:00:00.000Z', expires: '2026-11-09T03:00:00.000Z', ended: '2026-11-09T03:00:01.000Z' });
    // Act
    const html = renderReport(buildAccessReport({ leases: [later], denials: [], period: EXAMPLE_PERIOD, now: new Date('2026-11-10T00:00:00.000Z') }), 'html');
    // Assess
    expect(html).toContain('data-lease-id="c0000000000000000030"');
    expect(html).not.toContain('class="day"');
  });
});
