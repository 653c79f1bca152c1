import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { EVIDENCE_MAC_ALGORITHM, type EvidenceSeal } from '../../domain/evidence-digest.js';
import { EvidenceKeyError } from '../../errors.js';
import type { EvidenceMac } from '../../ports/evidence-mac.js';

/** Bytes of a local evidence key (HMAC-SHA-256's block-size-safe length, as KMS's HMAC_256 keys). */
const KEY_BYTES = 32;

/**
 * Local mode's evidence key: 32 random bytes in a file only its owner may read (0600), created on
 * first use when `create` is set (local mode), only read otherwise (the report). HMAC-SHA-256 as
 * KMS computes it; the key id names the file's key by a fingerprint, never the key itself.
 */
export class FileEvidenceMac implements EvidenceMac {
  private key: Promise<Buffer> | undefined;

  constructor(
    private readonly path: string,
    private readonly options: { readonly create: boolean } = { create: false },
  ) {}

  async generate(message: string): Promise<EvidenceSeal> {
    const key = await this.read();
    return { algorithm: EVIDENCE_MAC_ALGORITHM, keyId: keyId(key), mac: createHmac('sha256', key).update(message, 'utf8').digest('base64') };
  }

  async verify(message: string, seal: EvidenceSeal): Promise<boolean> {
    const key = await this.read();
    const expected = createHmac('sha256', key).update(message, 'utf8').digest();
    const given = Buffer.from(seal.mac, 'base64');
    return seal.algorithm === EVIDENCE_MAC_ALGORITHM && given.length === expected.length && timingSafeEqual(given, expected);
  }

  /** Reads the key now (creating it when `create` is set), so a key that cannot be used shows at start. */
  async ensure(): Promise<void> {
    await this.read();
  }

  private read(): Promise<Buffer> {
    this.key ??= this.load().catch((error: unknown) => {
      this.key = undefined;
      throw error;
    });
    return this.key;
  }

  private async load(): Promise<Buffer> {
    let text: string | undefined;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || !this.options.create) throw new EvidenceKeyError(`the evidence key file ${this.path} cannot be read`, { cause: error });
    }
    if (text === undefined) {
      await mkdir(dirname(this.path), { recursive: true });
      text = randomBytes(KEY_BYTES).toString('base64');
      try {
        // wx: never overwrite a key another process created meanwhile; 0600: its owner only.
        await writeFile(this.path, `${text}\n`, { flag: 'wx', mode: 0o600 });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new EvidenceKeyError(`the evidence key file ${this.path} cannot be created`, { cause: error });
        text = await readFile(this.path, 'utf8');
      }
    }
    const key = Buffer.from(text.trim(), 'base64');
    if (key.length !== KEY_BYTES) throw new EvidenceKeyError(`the evidence key file ${this.path} does not hold a ${KEY_BYTES}-byte base64 key`);
    return key;
  }
}

/** A key's public name: `local:` and the first 16 hex digits of the SHA-256 of the key. */
function keyId(key: Buffer): string {
  return `local:${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
}

/** An in-memory evidence key (local mode without a data folder: the key lives as long as the store). */
export function memoryEvidenceMac(): EvidenceMac {
  const key = randomBytes(KEY_BYTES);
  return {
    generate: (message) => Promise.resolve({ algorithm: EVIDENCE_MAC_ALGORITHM, keyId: keyId(key), mac: createHmac('sha256', key).update(message, 'utf8').digest('base64') }),
    verify: (message, seal) => {
      const expected = createHmac('sha256', key).update(message, 'utf8').digest();
      const given = Buffer.from(seal.mac, 'base64');
      return Promise.resolve(given.length === expected.length && timingSafeEqual(given, expected));
    },
  };
}
