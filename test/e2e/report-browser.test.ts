import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { OUTCOME_STYLE } from '../../lib/adapters/report/html-style.js';
import { formatDuration } from '../../lib/adapters/report/report-format.js';
import { renderReport } from '../../lib/adapters/report/render-report.js';
import { buildAccessReport, type AccessReport } from '../../lib/domain/access-report.js';
import { EXAMPLE_NOW, EXAMPLE_PERIOD, denialRecord, exampleDenials, exampleLeases, leaseRecord } from '../support/access-report-example.js';
import { browserTestPlan, Chromium, CHROMIUM_HINT, type Page } from '../support/chromium.js';
import { decodePng, inkRatio, type Image } from '../support/png.js';

const HOSTILE = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">';
const WIDTH = 1280;
/** A4 landscape at 96 dpi (1123 px) less the 10 mm margins of the print stylesheet. */
const PRINT_WIDTH = 1047;

interface DomRow {
  readonly id: string;
  readonly outcome: string;
  readonly cells: readonly string[];
  readonly links: readonly string[];
}

// Decided when the file is collected: with no Chromium the tests are skipped and this says so, except
// in CI (CI=true), where they run and fail (CI installs Chromium first). Nothing is installed here.
const plan = browserTestPlan();
if (!plan.run) console.warn(`access report browser tests SKIPPED: ${plan.reason}`);
const describeWithBrowser = plan.run ? describe : describe.skip;

describeWithBrowser('access report in a real browser (headless Chromium)', () => {
  let browser: Chromium;
  let page: Page;
  let dir: string;
  let report: AccessReport;
  let screenshot: Image;

  beforeAll(async () => {
    // Prepare: the example week, plus a lease and a denial whose text is hostile markup.
    const hostile = leaseRecord({
      id: 'b0000000000000000001',
      requester: { id: HOSTILE },
      ticket: 'OPS-6666',
      ticketUrl: 'javascript:window.__pwned=3',
      created: '2026-11-07T10:00:00.000Z',
      started: '2026-11-07T10:00:01.000Z',
      expires: '2026-11-07T12:00:01.000Z',
      ended: '2026-11-07T12:00:02.000Z',
    });
    const denials = [...exampleDenials(), denialRecord('OPS-6667', 'self-approval', '2026-11-07T11:00:00.000Z', HOSTILE)];
    report = buildAccessReport({ leases: [...exampleLeases(), hostile], denials, period: EXAMPLE_PERIOD, now: EXAMPLE_NOW });
    dir = await mkdtemp(join(tmpdir(), 'kube-lease-report-browser-'));
    const file = join(dir, 'report.html');
    await writeFile(file, renderReport(report, 'html'));
    if (!plan.run || plan.chromium === undefined) throw new Error(`no Chromium, and CI requires the browser tests to run: ${CHROMIUM_HINT}`);
    browser = await Chromium.launch(plan.chromium);
    page = await browser.open(pathToFileURL(file).href, WIDTH, 900);
    screenshot = decodePng(await page.screenshot(WIDTH));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('renders a page that is not blank', () => {
    // Assess: a full-page screenshot with text, tables and bars on it, not a white sheet.
    expect(screenshot.width).toBe(WIDTH);
    expect(screenshot.height).toBeGreaterThan(1000);
    const ink = inkRatio(screenshot);
    expect(ink).toBeGreaterThan(0.03);
    expect(ink).toBeLessThan(0.6);
  });

  it('draws a timeline bar for each lease, in its outcome colour, on the requester\'s row', async () => {
    // Act
    const bars = await page.evaluate<{ id: string; outcome: string; x: number; y: number; left: number; row: string }[]>(`
      [...document.querySelectorAll('svg.timeline:not(.day) rect.bar')].map((bar) => {
        const box = bar.getBoundingClientRect();
        const labels = [...document.querySelectorAll('svg.timeline:not(.day) text.who')];
        const row = labels.find((t) => Math.abs(t.getBoundingClientRect().top + t.getBoundingClientRect().height / 2 - (box.top + box.height / 2)) < 12);
        return { id: bar.dataset.leaseId, outcome: [...bar.classList].find((c) => c.startsWith('o-')).slice(2), x: box.left + box.width / 2 + scrollX, y: box.top + box.height / 2 + scrollY, left: box.left, row: row ? row.querySelector('title').textContent : '' };
      })`);
    const days = await page.evaluate<Record<string, number>>(`Object.fromEntries([...document.querySelectorAll('svg.timeline:not(.day) text.tick')].map((t) => [t.textContent, t.getBoundingClientRect().left + t.getBoundingClientRect().width / 2]))`);
    // Assess
    expect(bars.map((b) => b.id).sort()).toEqual(report.leases.map((r) => r.leaseId).sort());
    for (const bar of bars) {
      const row = report.leases.find((r) => r.leaseId === bar.id);
      expect({ id: bar.id, outcome: bar.outcome, row: bar.row }).toEqual({ id: row?.leaseId, outcome: row?.outcome, row: row?.requester });
      // It starts on the day its access (or request) started, between that day's grid line and the next.
      const start = new Date(Math.max(Date.parse(row?.startedAt ?? row?.requestedAt ?? ''), EXAMPLE_PERIOD.from.getTime()));
      const day = days[start.toISOString().slice(5, 10)] ?? Number.NaN;
      const nextDay = days[new Date(start.getTime() + 86_400_000).toISOString().slice(5, 10)] ?? Number.POSITIVE_INFINITY;
      expect({ id: bar.id, onItsDay: bar.left >= day - 1 && bar.left < nextDay }).toEqual({ id: bar.id, onItsDay: true });
      // The pixel at the bar's centre, in the screenshot, is the outcome's colour.
      const at = (Math.round(bar.y) * screenshot.width + Math.round(bar.x)) * screenshot.channels;
      const hex = `#${[0, 1, 2].map((i) => (screenshot.pixels[at + i] ?? 0).toString(16).padStart(2, '0')).join('')}`.toUpperCase();
      expect({ id: bar.id, colour: hex }).toEqual({ id: bar.id, colour: OUTCOME_STYLE[bar.outcome as keyof typeof OUTCOME_STYLE].colour });
    }
  });

  it('shows one table row per lease, in order, with the data of each', async () => {
    // Act
    const rows = await page.evaluate<DomRow[]>(`
      [...document.querySelectorAll('#leases tbody tr[data-lease-id]')].map((tr) => ({
        id: tr.dataset.leaseId, outcome: tr.dataset.outcome,
        cells: [...tr.cells].map((td) => td.innerText.replace(/\\s+/g, ' ').trim()),
        links: [...tr.querySelectorAll('a')].map((a) => a.href),
      }))`);
    // Assess
    expect(rows.map((r) => r.id)).toEqual(report.leases.map((r) => r.leaseId));
    rows.forEach((dom, i) => {
      const row = report.leases[i];
      if (row === undefined) throw new Error('more rows than leases');
      const [requester, approvers, ticket, profile, role, cluster, namespaces, requested, , , endCause, lag, extensions] = dom.cells;
      expect({ requester, approvers, profile, role, cluster, namespaces, extensions, outcome: dom.outcome }).toEqual({
        requester: row.requester,
        approvers: `${row.approvers.join(' ')} ${row.approvalKind}`,
        profile: row.profile,
        role: row.role,
        cluster: row.cluster,
        namespaces: row.namespaces.join(', '),
        extensions: String(row.extensions),
        outcome: row.outcome,
      });
      expect(ticket).toContain(row.ticketKey);
      expect(requested).toBe(row.requestedAt.slice(0, 19).replace('T', ' '));
      expect(endCause).toContain(row.endCause ?? 'open');
      expect(lag).toContain(row.revocationLagMs === null ? '—' : formatDuration(row.revocationLagMs));
      expect(dom.links).toEqual(row.ticketUrl.startsWith('https://') ? [row.ticketUrl] : []);
    });
  });

  it('links every timeline bar to its lease row or, for a lease too short to read, to its day, drawn wide enough to click', async () => {
    // Act
    const links = await page.evaluate<{ href: string; target: boolean; width: number; id: string }[]>(`
      [...document.querySelectorAll('svg.timeline a')].map((a) => ({
        href: a.getAttribute('href'), target: document.getElementById(a.getAttribute('href').slice(1)) !== null,
        width: a.querySelector('rect').getBoundingClientRect().width, id: a.querySelector('rect').dataset.leaseId,
      }))`);
    const facts = await page.evaluate<string>(`document.querySelector('tr[data-facts-for="a0000000000000000002"]').innerText`);
    // Assess: the 5-minute break-glass lease of 5 November is on the timeline and in the day view.
    expect(links.every((l) => l.target)).toBe(true);
    expect(links.filter((l) => l.id === 'a0000000000000000007').map((l) => l.href)).toEqual(['#day-2026-11-05', '#lease-a0000000000000000007']);
    expect(Math.min(...links.map((l) => l.width))).toBeGreaterThanOrEqual(5);
    expect(facts).toContain('INC-4411: payments API answers 5xx after the 09:00 deploy');
    expect(facts).toContain('Secrets read payments/payments-db (get ×1)');
  });

  it('shows the summary and the denials by code as computed', async () => {
    // Act
    const summary = await page.evaluate<Record<string, string>>(`Object.fromEntries([...document.querySelectorAll('#summary td[data-key]')].map((td) => [td.dataset.key, td.innerText]))`);
    const byCode = await page.evaluate<[string, string][]>(`[...document.querySelectorAll('#denials-by-code tbody tr')].map((tr) => [...tr.cells].map((td) => td.innerText))`);
    const denials = await page.evaluate<number>(`document.querySelectorAll('#denials tbody tr').length`);
    // Assess
    const s = report.summary;
    expect(summary).toEqual({
      leases: String(s.leases),
      grants: String(s.grants),
      failed: String(s.failed),
      denials: String(s.denials),
      'median-lag': s.medianLagMs === null ? '—' : formatDuration(s.medianLagMs),
      'p99-lag': s.p99LagMs === null ? '—' : formatDuration(s.p99LagMs),
      late: String(s.lateRevocations),
      'open-now': String(s.openNow),
    });
    expect(byCode).toEqual(report.denialsByCode.map((d) => [d.code, String(d.count)]));
    expect(denials).toBe(report.denials.length);
  });

  it('renders markup from tickets as text: nothing runs, no element is injected, a javascript: URL is no link', async () => {
    // Act
    const seen = await page.evaluate<{ pwned: unknown; scripts: number; images: number; requester: string; reason: string; links: string[] }>(`({
      pwned: window.__pwned ?? null,
      scripts: document.querySelectorAll('script').length,
      images: document.querySelectorAll('img').length,
      requester: document.querySelector('tr[data-lease-id="b0000000000000000001"] td').textContent,
      reason: [...document.querySelectorAll('#denials td')].map((td) => td.textContent).find((t) => t.includes('__pwned')),
      links: [...document.querySelectorAll('a')].filter((a) => !a.getAttribute('href').startsWith('#')).map((a) => a.protocol),
    })`);
    // Assess
    expect(seen).toEqual({ pwned: null, scripts: 0, images: 0, requester: HOSTILE, reason: HOSTILE, links: Array(12).fill('https:') });
  });

  it('fits a 1280 px wide screen: no table scrolls sideways', async () => {
    // Act
    const overflow = await page.evaluate<number[]>(`[...document.querySelectorAll('.wide')].map((box) => box.scrollWidth - box.clientWidth)`);
    // Assess
    expect(overflow).toEqual([0, 0]);
  });

  it('loads nothing from anywhere: one self-contained file', async () => {
    // Act
    const fetched = await page.evaluate<number>(`performance.getEntriesByType('resource').length`);
    const external = await page.evaluate<number>(`document.querySelectorAll('[src], link, object, iframe, embed').length`);
    // Assess
    expect({ fetched, external }).toEqual({ fetched: 0, external: 0 });
  });

  it('stays readable when printed: A4 landscape, tables within the page width, timeline and colours kept', async () => {
    // Act
    await page.media('print');
    const printed = decodePng(await page.screenshot(PRINT_WIDTH));
    const layout = await page.evaluate<{ overflow: number; timeline: number; rows: number }>(`({
      overflow: Math.max(...[...document.querySelectorAll('table')].map((t) => t.getBoundingClientRect().right)) - document.documentElement.clientWidth,
      timeline: document.querySelector('svg.timeline').getBoundingClientRect().height,
      rows: [...document.querySelectorAll('#leases tbody tr[data-lease-id]')].filter((tr) => tr.getBoundingClientRect().height > 0).length,
    })`);
    const pdf = await page.send('Page.printToPDF', { landscape: true, printBackground: true, preferCSSPageSize: true });
    await page.media('screen');
    // Assess
    expect(layout.overflow).toBeLessThanOrEqual(0);
    expect(layout.timeline).toBeGreaterThan(100);
    expect(layout.rows).toBe(report.leases.length);
    expect(inkRatio(printed)).toBeGreaterThan(0.03);
    expect(Buffer.from(String(pdf.data), 'base64').subarray(0, 5).toString()).toBe('%PDF-');
  });
});
