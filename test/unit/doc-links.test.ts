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

describe('documentation style', () => {
  /** Prose of the README and docs/: no code, no tables, no HTML comments, no headings. */
  const prose = (document: string) =>
    proseLines(readFileSync(document, 'utf8')).map((line, index) => ({ line, index })).filter(({ line }) => !/^\s*(\||#|<!--)/.test(line));
  const pages = DOCUMENTS.filter((document) => document === 'README.md' || document.startsWith('docs/'));

  it('keeps the README to at most 150 lines', () => {
    expect(readFileSync('README.md', 'utf8').trimEnd().split('\n').length).toBeLessThanOrEqual(150);
  });

  it('keeps prose lines to at most 120 characters', () => {
    const long = pages.flatMap((document) => prose(document).filter(({ line }) => line.length > 120).map(({ line }) => `${document}: ${line.slice(0, 60)}… (${line.length})`));
    expect(long).toEqual([]);
  });

  it('keeps paragraphs short: at most 8 lines', () => {
    // Act: a paragraph is a run of non-empty prose lines; a list item starts a new one.
    const longParagraphs = pages.flatMap((document) => {
      const found: string[] = [];
      let run: string[] = [];
      const close = () => {
        if (run.length > 8) found.push(`${document}: "${(run[0] ?? '').slice(0, 50)}…" (${run.length} lines)`);
        run = [];
      };
      let fenced = false;
      for (const line of readFileSync(document, 'utf8').split('\n')) {
        if (line.startsWith('```')) fenced = !fenced;
        if (fenced || line.trim() === '' || /^\s*(\||#|<!--|```)/.test(line)) close();
        else if (/^\s*([-*]|\d+\.)\s/.test(line)) {
          close();
          run.push(line);
        } else run.push(line);
      }
      close();
      return found;
    });
    // Assess
    expect(longParagraphs).toEqual([]);
  });
});
