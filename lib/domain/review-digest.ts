import { createHash } from 'node:crypto';

/** One file of a review pack: its name (as attached) and its exact bytes. */
export interface PackFile {
  readonly name: string;
  readonly contentType: string;
  readonly bytes: Uint8Array;
}

const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');

/**
 * The digest of a review pack: `sha256:` of a manifest that names each file (sorted by name) with
 * the SHA-256 of its bytes. Computed from the files alone, so anyone can recompute it from the
 * attachments (`sha256sum` gives the per-file lines).
 *
 * @example packDigest([{ name: 'review-2026-Q4.csv', contentType: 'text/csv', bytes }])
 */
export function packDigest(files: readonly Pick<PackFile, 'name' | 'bytes'>[]): string {
  return `sha256:${sha256(packManifest(files))}`;
}

/** The manifest the digest is taken of: `kube-lease review pack v1`, then `<sha256>  <name>` per file, as sha256sum prints it. */
export function packManifest(files: readonly Pick<PackFile, 'name' | 'bytes'>[]): string {
  const lines = [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((f) => `${sha256(f.bytes)}  ${f.name}`);
  return ['kube-lease review pack v1', ...lines, ''].join('\n');
}
