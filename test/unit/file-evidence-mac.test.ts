import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { FileEvidenceMac } from '../../lib/adapters/evidence-mac/file-evidence-mac.js';
import { EvidenceKeyError } from '../../lib/errors.js';

/* Local mode's evidence key: a file only its owner reads, behind the same port as KMS. */
describe('FileEvidenceMac', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kube-lease-evidence-key-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates the key 0600 on first use, and another instance (the report) verifies with it', async () => {
    // Prepare
    const path = join(dir, 'data', 'evidence-mac.key');
    const writer = new FileEvidenceMac(path, { create: true });
    // Act
    await writer.ensure();
    const seal = await writer.generate('kube-lease evidence v1\nlease x');
    const reader = new FileEvidenceMac(path);
    // Assess
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(Buffer.from((await readFile(path, 'utf8')).trim(), 'base64')).toHaveLength(32);
    expect(seal).toMatchObject({ algorithm: 'HMAC_SHA_256', keyId: expect.stringMatching(/^local:[0-9a-f]{16}$/) });
    expect(await reader.verify('kube-lease evidence v1\nlease x', seal)).toBe(true);
    expect(await reader.verify('kube-lease evidence v1\nlease y', seal)).toBe(false);
    expect(await reader.verify('kube-lease evidence v1\nlease x', { ...seal, mac: Buffer.from('short').toString('base64') })).toBe(false);
    // A second writer keeps the existing key (never overwrites it).
    const again = new FileEvidenceMac(path, { create: true });
    expect(await again.generate('kube-lease evidence v1\nlease x')).toEqual(seal);
  });

  it('another key does not verify; a missing or malformed key file is an EvidenceKeyError, never a pass', async () => {
    // Prepare
    const seal = await new FileEvidenceMac(join(dir, 'one.key'), { create: true }).generate('m');
    await writeFile(join(dir, 'bad.key'), 'not a key\n');
    // Act / Assess
    expect(await new FileEvidenceMac(join(dir, 'two.key'), { create: true }).verify('m', seal)).toBe(false);
    await expect(new FileEvidenceMac(join(dir, 'absent.key')).verify('m', seal)).rejects.toBeInstanceOf(EvidenceKeyError);
    await expect(new FileEvidenceMac(join(dir, 'bad.key')).verify('m', seal)).rejects.toThrow(/does not hold a 32-byte base64 key/);
  });
});
