import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from '@jest/globals';

/** The project's own Markdown files, each of which may link to the others: the top-level ones and docs/. */
const DOCUMENTS = [
  'README.md',
  'CONTRIBUTING.md',
  'SECURITY.md',
  'CHANGELOG.md',
  ...readdirSync('docs')
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

/** The lines of a Markdown file outside fenced code blocks (a `# comment` in YAML is no heading). */
function proseLines(text: string): string[] {
  let fenced = false;
  return text.split('\n').filter((line) => {
    if (line.startsWith('```')) {
      fenced = !fenced;
      return false;
    }
    return !fenced;
  });
}

/** The anchors GitHub gives a file's headings: lower case, punctuation dropped, spaces to `-`, repeats numbered. */
function headingAnchors(path: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of proseLines(readFileSync(path, 'utf8'))) {
    const heading = /^#{1,6}\s+(.+?)\s*#*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const slug = heading.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
    seen.set(slug, count + 1);
  }
  return anchors;
}

/** Relative link targets of a file: `[text](target)` and images, web addresses and code spans left out. */
function relativeLinks(path: string): string[] {
  return proseLines(readFileSync(path, 'utf8'))
    .map((line) => line.replace(/`[^`]*`/g, ''))
    .flatMap((line) => [...line.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] ?? ''))
    .filter((target) => !/^[a-z]+:/i.test(target));
}

/** Where a link from `document` leads: the file (relative to the document's folder) and the anchor. */
function resolve(document: string, target: string): { readonly path: string; readonly anchor: string | undefined } {
  const [file = '', anchor] = target.split('#');
  return { path: file === '' ? document : normalize(join(dirname(document), file)), anchor };
}

describe('documentation links', () => {
  it('covers the README, the top-level files and every page of docs/', () => {
    expect(DOCUMENTS).toEqual(expect.arrayContaining(['README.md', 'docs/getting-started.md', 'docs/deploy-aws.md', 'docs/security-model.md']));
  });

  it('point at files that exist and at headings those files have', () => {
    // Prepare
    const links = DOCUMENTS.flatMap((document) => relativeLinks(document).map((target) => ({ document, target })));
    expect(links.map((link) => link.target)).toEqual(expect.arrayContaining(['docs/security-model.md', 'deploy-aws.md#2-store-the-secrets']));
    // Act
    const broken = links.filter(({ document, target }) => {
      const { path, anchor } = resolve(document, target);
      if (!existsSync(path)) return true;
      return anchor !== undefined && (!path.endsWith('.md') || !headingAnchors(path).has(anchor));
    });
    // Assess
    expect(broken).toEqual([]);
  });

  it('reach every page of docs/ from the README, directly or through another page', () => {
    // Prepare
    const reached = new Set<string>(['README.md']);
    const queue = ['README.md'];
    // Act: follow links breadth first.
    while (queue.length > 0) {
      const document = queue.shift() ?? '';
      for (const target of relativeLinks(document)) {
        const { path } = resolve(document, target);
        if (path.endsWith('.md') && existsSync(path) && !reached.has(path)) {
          reached.add(path);
          queue.push(path);
        }
      }
    }
    // Assess
    expect(DOCUMENTS.filter((document) => document.startsWith('docs/') && !reached.has(document))).toEqual([]);
  });
});
