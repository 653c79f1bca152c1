import '../../lib/require-node.js';
import { mkdir, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startEmbeddedDynamoDb } from '../../lib/local/embedded-dynamodb.js';
import { runReport } from '../../lib/cli/report-command.js';
import { EXAMPLE_NOW, exampleDenials, exampleLeases } from '../support/access-report-example.js';
import { Chromium, requireChromium } from '../support/chromium.js';
import { seedLeaseTable } from '../support/seed-lease-table.js';

const HTML = 'docs/access-report-example.html';
const PNG = 'docs/access-report-example.png';
const WIDTH = 1280;

/**
 * `npm run -s report:example`: the example report of docs/access-report.md. Seeds an in-memory DynamoDB-protocol
 * table with the example week (test/support/access-report-example.ts), runs `kube-lease report` on
 * it as of Sunday 8 November 2026 15:00 UTC, writes the HTML to docs/ and a full-page screenshot of
 * it, taken by headless Chromium at 1280 px, beside it.
 */
async function main(): Promise<void> {
  // Before anything is written: without a browser there is no screenshot to go with the HTML.
  const chromium = requireChromium();
  const dynamo = await startEmbeddedDynamoDb(undefined);
  try {
    await seedLeaseTable(dynamo.client, 'leases', exampleLeases(), exampleDenials());
    await mkdir('docs', { recursive: true });
    const code = await runReport(['--from', '2026-11-02', '--to', '2026-11-09', '--format', 'html', '--out', HTML], {
      env: { DYNAMODB_ENDPOINT: dynamo.endpoint, LEASES_TABLE: 'leases' },
      clock: { now: () => EXAMPLE_NOW },
      out: (text) => process.stdout.write(text),
      err: (text) => process.stderr.write(text),
    });
    if (code !== 0) throw new Error(`kube-lease report exited ${code}`);
  } finally {
    dynamo.client.destroy();
    await dynamo.stop();
  }
  const browser = await Chromium.launch(chromium);
  try {
    const page = await browser.open(pathToFileURL(resolve(HTML)).href, WIDTH, 900);
    await writeFile(PNG, await page.screenshot(WIDTH));
  } finally {
    await browser.close();
  }
  process.stdout.write(`wrote ${PNG} (${WIDTH} px wide, headless Chromium)\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`report:example failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
