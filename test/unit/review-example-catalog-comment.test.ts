import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { DEFAULT_END_STREAMS } from '../../lib/domain/catalog.js';

/*
 * Review of issue 23 item 12: the example catalog's comment on which streams and pods end must say
 * what the code does. The default stream kinds include proxy (pods/proxy upgrades), and a bare pod
 * the subject created through the lease is evicted (nothing else recreates it, but it is theirs).
 * Regression test since the comment was corrected.
 */
describe('review: the example catalog comment on ending sessions', () => {
  const text = readFileSync('deploy/catalog.example.yaml', 'utf8');
  const comment = text.slice(text.indexOf('# At revoke, evict'), text.indexOf('onRevoke: {')).replace(/\s*#\s*/g, ' ');

  it('names the default stream kinds the code uses', () => {
    expect(comment).toContain(`default [${DEFAULT_END_STREAMS.join(', ')}]`);
  });

  it('does not say every bare pod is left alone', () => {
    expect(comment).toMatch(/bare pods[^;.]*unless the subject created them through this lease/);
  });
});
