import { LEASE_OUTCOMES, type LeaseOutcome } from '../../domain/access-report.js';

/** Outcome colours (Okabe–Ito, told apart with the common colour-vision deficiencies) and their legend text. */
export const OUTCOME_STYLE: Readonly<Record<LeaseOutcome, { readonly colour: string; readonly label: string }>> = {
  'on-time': { colour: '#009E73', label: 'revoked on time (expiry or sweep)' },
  late: { colour: '#D55E00', label: 'revoked late (beyond the threshold)' },
  early: { colour: '#0072B2', label: 'ended early (ticket closed)' },
  manual: { colour: '#CC79A7', label: 'revoked by an operator' },
  failed: { colour: '#000000', label: 'failed (never granted)' },
  'dry-run': { colour: '#56B4E9', label: 'dry run (nothing granted)' },
  open: { colour: '#999999', label: 'open now' },
};

const outcomeRules = LEASE_OUTCOMES.map((o) => `.o-${o}{fill:${OUTCOME_STYLE[o].colour};background:${OUTCOME_STYLE[o].colour}}`).join('\n');

/** The report's whole stylesheet: inline, no fonts or images fetched; a print layout on A4 landscape. */
export const REPORT_CSS = `
*{box-sizing:border-box}
html{-webkit-print-color-adjust:exact;print-color-adjust:exact}
body{margin:0 auto;max-width:1400px;padding:24px;font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#1a1a1a;background:#fff}
h1{font-size:22px;margin:0 0 4px}
h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
.meta{color:#555;margin:0 0 16px}
table{border-collapse:collapse;width:100%;font-size:12.5px}
th,td{border:1px solid #d9d9d9;padding:4px 5px;text-align:left;vertical-align:top}
thead th{background:#f2f2f2;position:sticky;top:0}
tbody tr:nth-child(even){background:#fafafa}
#leases tbody tr.lease{background:#fff}
#leases tbody tr.lease td{border-top:2px solid #bdbdbd}
#leases tr.facts td{background:#fafafa;border-top:none;font-size:12px;color:#333}
#leases tr.facts dl{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr) minmax(0,2fr);gap:2px 16px;margin:0}
#leases tr.facts dt{font-weight:600;color:#555}
#leases tr.facts dd{margin:0}
.note{color:#555;font-size:12px;margin:4px 0 8px}
h4{font-size:13px;margin:12px 0 4px}
.timeline .what{font-size:11px;fill:#222}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.wide{overflow-x:auto;padding-right:1px}
table.summary{width:auto;min-width:420px}
table.summary th{font-weight:normal;color:#333;background:#f7f7f7}
table.summary td{font-weight:600;text-align:right;min-width:110px}
td.time{white-space:nowrap}
table.counts{width:auto;min-width:300px}
h3{font-size:14px;margin:16px 0 6px}
tr.late td.lag{color:#D55E00;font-weight:700}
.tag{display:inline-block;font-size:11px;padding:0 5px;border-radius:3px;color:#fff;white-space:nowrap}
.muted{color:#777}
.warn{color:#D55E00}
.timeline{display:block;margin:8px 0;border:1px solid #e3e3e3}
.timeline .grid{stroke:#e0e0e0;stroke-width:1}
.timeline .band{fill:#f6f6f6}
.timeline .tick{font-size:11px;fill:#555}
.timeline .who{font-size:12px;fill:#222}
.timeline .now{stroke:#333;stroke-width:1;stroke-dasharray:4 3}
.timeline .bar{stroke:#fff;stroke-width:.5}
ul.legend{list-style:none;padding:0;margin:4px 0 0;display:flex;flex-wrap:wrap;gap:6px 18px;font-size:12px}
ul.legend .swatch{display:inline-block;width:12px;height:12px;margin-right:5px;vertical-align:-1px;border-radius:2px}
.empty{color:#555;font-style:italic}
footer{margin-top:28px;color:#555;font-size:12px}
${outcomeRules}
@page{size:A4 landscape;margin:10mm}
@media print{
  body{padding:0;max-width:none;font-size:10px}
  h2{break-after:avoid}
  table{font-size:9px}
  thead{display:table-header-group}
  thead th{position:static}
  tr,.timeline,.day{break-inside:avoid}
  tr.lease{break-after:avoid}
  .wide{overflow:visible}
  a{color:inherit;text-decoration:none}
}
`;
