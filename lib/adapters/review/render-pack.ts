import type { ReviewPack } from '../../domain/review-pack.js';
import type { PackFile } from '../../domain/review-digest.js';
import { packFileName } from '../../domain/review-text.js';
import { renderPackCsv } from './pack-csv.js';
import { renderPackHtml } from './pack-html.js';

/** The pack's two files, UTF-8: its HTML page and its CSV, named for the period. */
export function renderPack(pack: ReviewPack): PackFile[] {
  const label = pack.period.label;
  return [
    { name: packFileName(label, 'html'), contentType: 'text/html; charset=utf-8', bytes: new TextEncoder().encode(renderPackHtml(pack)) },
    { name: packFileName(label, 'csv'), contentType: 'text/csv; charset=utf-8', bytes: new TextEncoder().encode(renderPackCsv(pack)) },
  ];
}
