import { readFileSync, writeFileSync } from 'node:fs';
import { DocsGenerationError, generatedFiles } from './generate.js';

/** `npm run docs:gen`: rewrites the generated parts of docs/ from the code; prints what changed. */
function main(): void {
  const files = generatedFiles((path) => readFileSync(path, 'utf8'));
  for (const [path, content] of files) {
    let before = '';
    try {
      before = readFileSync(path, 'utf8');
    } catch {
      // a new file
    }
    if (before === content) continue;
    writeFileSync(path, content);
    process.stdout.write(`wrote ${path}\n`);
  }
}

try {
  main();
} catch (error) {
  process.stderr.write(`docs:gen: ${error instanceof DocsGenerationError ? error.message : String(error)}\n`);
  process.exit(1);
}
