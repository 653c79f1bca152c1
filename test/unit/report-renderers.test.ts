import { describe, expect, it } from '@jest/globals';
import { csvField } from '../../lib/adapters/report/csv-report.js';
import { breakable, escapeHtml, formatDuration, linkTarget } from '../../lib/adapters/report/report-format.js';
import { renderReport } from '../../lib/adapters/report/render-report.js';
import { buildAccessReport, type AccessReport } from '../../lib/domain/access-report.js';
import { ReportRequestError } from '../../lib/errors.js';
import { EXAMPLE_NOW, EXAMPLE_PERIOD, denialRecord, exampleDenials, exampleLeases, leaseRecord } from '../support/access-report-example.js';

const HOSTILE = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">';

function exampleReport(): AccessReport {
  return buildAccessReport({ leases: exampleLeases(), denials: exampleDenials(), period: EXAMPLE_PERIOD, now: EXAMPLE_NOW });
}

function hostileReport(): AccessReport {
  const lease = leaseRecord({
    id: 'b0000000000000000001',
    requester: { id: HOSTILE },
    ticket: '"><svg onload=alert(1)>',
    ticketUrl: 'javascript:alert(1)',
    profile: "=HYPERLINK(\"http://evil.example\",\"x\")",
    created: '2026-11-03T10:00:00.000Z',
    started: '2026-11-03T10:00:01.000Z',
    expires: '2026-11-03T12:00:00.000Z',
  });
  return buildAccessReport({ leases: [lease], denials: [denialRecord('OPS-1', 'self-approval', '2026-11-03T11:00:00.000Z', HOSTILE)], period: EXAMPLE_PERIOD, now: EXAMPLE_NOW });
}

describe('renderReport html', () => {
  it('is one self-contained page: inline style, no script, no external resource, a CSP that forbids both', () => {
    // Prepare
    const report = exampleReport();
    // Act
    const html = renderReport(report, 'html');
    // Assess
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none';`);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|\bsrc=|@import|url\(/i);
    expect(html).toMatch(/<style>[\s\S]*@media print[\s\S]*<\/style>/);
    expect(html).toContain('<svg class="timeline"');
  });

  it('has a table row and a timeline bar per lease, coloured by outcome, and the summary figures', () => {
    // Prepare
    const report = exampleReport();
    // Act
    const html = renderReport(report, 'html');
    // Assess
    for (const row of report.leases) {
      expect(html).toContain(`<tr data-lease-id="${row.leaseId}" data-outcome="${row.outcome}"`);
      expect(html).toMatch(new RegExp(`<rect class="bar o-${row.outcome}" data-lease-id="${row.leaseId}"`));
    }
    expect(html).toContain('<td data-key="median-lag">3.2 s</td>');
    expect(html).toContain('<td data-key="late">1</td>');
    expect(html).toContain('<tr data-code="self-approval"><td>self-approval</td><td class="num">2</td></tr>');
  });

  it('shows a missing seal where the report verifies seals as a finding, evidence it cannot vouch for as a warning, intact muted', () => {
    // Prepare: three ended leases of the example, with the three kinds of evidence state.
    const report = exampleReport();
    const ended = report.leases.filter((r) => r.endCause !== null);
    const [a, b, c] = ended;
    if (a === undefined || b === undefined || c === undefined) throw new Error('the example has fewer ended leases');
    const states = new Map<string, AccessReport['leases'][number]['evidence']>([
      [a.leaseId, 'no seal although the report verifies seals: it may have been removed'],
      [b.leaseId, 'no seal: not verifiable'],
      [c.leaseId, 'intact'],
    ]);
    const withEvidence: AccessReport = { ...report, leases: report.leases.map((r) => (states.has(r.leaseId) ? { ...r, evidence: states.get(r.leaseId) ?? null, evidenceDigest: 'sha256:00' } : r)) };
    // Act
    const html = renderReport(withEvidence, 'html');
    // Assess
    // The evidence state heads the activity, in the row under the lease's.
    const row = (id: string): string => html.match(new RegExp(`<tr class="facts" data-facts-for="${id}">[\\s\\S]*?</tr>`))?.[0] ?? '';
    expect(row(a.leaseId)).toContain('<span class="tag o-late" title="sha256:00">evidence: no seal although the report verifies seals: it may have been removed</span>');
    expect(row(b.leaseId)).toContain('<span class="warn" title="sha256:00">evidence no seal: not verifiable</span>');
    expect(row(c.leaseId)).toContain('<span class="muted" title="sha256:00">evidence intact</span>');
  });

  it('renders text from tickets inert: markup escaped, a javascript: ticket URL not linked', () => {
    // Prepare
    const report = hostileReport();
    // Act
    const html = renderReport(report, 'html');
    // Assess
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<svg onload');
    expect(html).not.toContain('href="javascript:');
    expect(html).toContain('&#60;script&#62;window.__pwned=1&#60;/script&#62;');
  });

  it('says so when nothing happened in the period', () => {
    // Prepare
    const report = buildAccessReport({ leases: [], denials: [], period: EXAMPLE_PERIOD, now: EXAMPLE_NOW });
    // Act
    const html = renderReport(report, 'html');
    // Assess
    expect(html).toContain('No lease overlapped this period.');
    expect(html).toContain('No approval was denied in this period.');
  });
});

describe('renderReport csv', () => {
  it('writes a header and one CRLF line per lease, times in RFC 3339 and the lag in seconds', () => {
    // Prepare
    const report = exampleReport();
    // Act
    const lines = renderReport(report, 'csv').split('\r\n');
    // Assess
    expect(lines[0]).toBe(
      'lease_id,source,ticket,ticket_url,requester,approvers,profile,role,subject,cluster,namespaces,status,requested_at,started_at,expires_at,ended_at,end_cause,revocation_lag_seconds,overdue,late,extensions,outcome,failure_reason,evidence,evidence_digest,approval_kind,' +
        'justification,ended_by,ended_by_kind,end_reason,end_requested_by,activity_status,activity_error,activity_from,activity_to,activity_requests,activity_by_request,activity_sessions,activity_secrets_read,activity_refused,activity_omitted,activity_elsewhere,unreviewed,evidence_unreadable',
    );
    expect(lines).toHaveLength(report.leases.length + 2);
    expect(lines.at(-1)).toBe('');
    const digest = report.leases.find((r) => r.leaseId === 'a0000000000000000002')?.evidenceDigest ?? '';
    expect(lines.find((l) => l.startsWith('a0000000000000000002'))).toBe(
      'a0000000000000000002,jira,OPS-1204,https://example.atlassian.net/browse/OPS-1204,alice@example.com,bob@example.com,payments-debug,Role/pod-exec,User alice@example.com,prod-eu,payments; payments-jobs,REVOKED,2026-11-03T09:12:00.000Z,2026-11-03T09:12:01.500Z,2026-11-03T15:12:01.500Z,2026-11-03T15:12:41.000Z,expiry,39.5,false,false,2,on-time,,' +
        `no seal: not verifiable,${digest},person,INC-4411: payments API answers 5xx after the 09:00 deploy; need a shell in the payments pods,eventbridge,timer,,,recorded,,2026-11-03T09:12:01.500Z,2026-11-03T15:12:41.000Z,47,` +
        'get pods in payments ×21; list pods in payments ×12; get pods/log in payments ×9; create pods/exec in payments ×2; get secrets in payments ×1,' +
        '"exec into payments/payments-api-7d9c5-x2kqp (container api): ""sh"", at 2026-11-03T09:20:14.000Z; exec into payments/payments-api-7d9c5-x2kqp (container api): ""cat /etc/payments/config.yaml"", at 2026-11-03T11:02:40.000Z",' +
        'payments/payments-db (get ×1),delete pods in payments-jobs ×2,0,,false,',
    );
  });

  it('quotes fields with commas, quotes or line breaks, and defuses spreadsheet formulas', () => {
    // Act / Assess
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"\nbye')).toBe('"say ""hi""\nbye"');
    expect(csvField('=HYPERLINK("http://evil.example","x")')).toBe(`"'=HYPERLINK(""http://evil.example"",""x"")"`);
    expect(csvField('+1')).toBe("'+1");
    expect(csvField('@cmd')).toBe("'@cmd");
    expect(csvField(null)).toBe('');
    expect(csvField(39.5)).toBe('39.5');
    expect(renderReport(hostileReport(), 'csv')).toContain(`"'=HYPERLINK(`);
  });
});

describe('renderReport json', () => {
  it('is the report model itself', () => {
    // Prepare
    const report = exampleReport();
    // Act
    const parsed: unknown = JSON.parse(renderReport(report, 'json'));
    // Assess
    expect(parsed).toEqual(report);
  });

  it('refuses an unknown format', () => {
    // Act / Assess
    expect(() => renderReport(exampleReport(), 'pdf')).toThrow(ReportRequestError);
  });
});

describe('report formatting', () => {
  it('formats durations for people', () => {
    // Act / Assess
    expect([850, 3_200, 59_999, 120_000, 450_000, 3_600_000, 7_500_000, 90_000_000].map(formatDuration)).toEqual([
      '850 ms',
      '3.2 s',
      '59.9 s',
      '2 min',
      '7 min 30 s',
      '1 h',
      '2 h 5 min',
      '1 d 1 h',
    ]);
  });

  it('lets long text wrap after @ and / and inside long runs, escaped, without changing it', () => {
    // Act / Assess
    expect(breakable('alice@example.com')).toBe('alice@<wbr>example.com');
    expect(breakable('ClusterRole/view')).toBe('ClusterRole/<wbr>view');
    expect(breakable('<aaaaaaaaaa>', 6)).toBe('&#60;aaaaa<wbr>aaaaa&#62;');
    expect(breakable('short words stay whole-as-they-are')).toBe('short words stay whole-as-they-are');
  });

  it('escapes all five markup characters and links only http(s) URLs', () => {
    // Act / Assess
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&#60;a href=&#34;x&#34; title=&#39;y&#39;&#62;&#38;&#60;/a&#62;');
    expect(linkTarget('https://example.atlassian.net/browse/OPS-1')).toBe('https://example.atlassian.net/browse/OPS-1');
    expect(linkTarget('javascript:alert(1)')).toBeUndefined();
    expect(linkTarget('data:text/html,<script>')).toBeUndefined();
    expect(linkTarget('not a url')).toBeUndefined();
  });
});
