import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';

/** The project's own Markdown files, each of which may link to the others. */
const DOCUMENTS = ['README.md', 'CONTRIBUTING.md', 'SECURITY.md', 'CHANGELOG.md'] as const;

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

/** Relative link targets of a file: `[text](target)`, web addresses left out. */
function relativeLinks(path: string): string[] {
  return proseLines(readFileSync(path, 'utf8'))
    .flatMap((line) => [...line.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] ?? ''))
    .filter((target) => !/^[a-z]+:/i.test(target));
}

describe('documentation links', () => {
  it('point at files that exist and at headings those files have', () => {
    // Prepare
    const links = DOCUMENTS.flatMap((document) => relativeLinks(document).map((target) => ({ document, target })));
    expect(links.map((link) => link.target)).toContain('README.md#security-model');
    // Act
    const broken = links.filter(({ document, target }) => {
      const [file = '', anchor] = target.split('#');
      const path = file === '' ? document : file;
      if (!existsSync(path)) return true;
      return anchor !== undefined && !headingAnchors(path).has(anchor);
    });
    // Assess
    expect(broken).toEqual([]);
  });
});
