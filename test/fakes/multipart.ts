/** One part of a multipart/form-data body (RFC 7578). */
export interface FormPart {
  readonly name: string;
  readonly filename?: string | undefined;
  readonly contentType?: string | undefined;
  readonly bytes: Buffer;
}

/**
 * Parses a multipart/form-data body byte for byte, as a server would: the boundary from the
 * Content-Type header, each part's Content-Disposition (name, filename) and Content-Type, and its
 * exact bytes. Throws on a body that is not multipart (the fakes answer 400 or 415 then).
 */
export function parseMultipart(contentType: string | undefined, body: Buffer): FormPart[] {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType ?? '');
  if (!/^multipart\/form-data/i.test(contentType ?? '') || boundary === null) throw new Error(`not multipart/form-data: ${contentType ?? '(no content type)'}`);
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2] ?? ''}`);
  const parts: FormPart[] = [];
  let at = body.indexOf(delimiter);
  if (at < 0) throw new Error('no boundary in the body');
  for (;;) {
    const start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, start);
    if (next < 0) throw new Error('a part is not closed by a boundary');
    // Between the boundary's CRLF and the CRLF before the next boundary.
    const part = body.subarray(start + 2, next - 2);
    const split = part.indexOf('\r\n\r\n');
    if (split < 0) throw new Error('a part has no header block');
    const headers = part.subarray(0, split).toString('utf8');
    const disposition = /content-disposition:\s*form-data;([^\r\n]*)/i.exec(headers)?.[1] ?? '';
    const name = /\bname="([^"]*)"/.exec(disposition)?.[1];
    if (name === undefined) throw new Error('a part has no name');
    parts.push({ name, filename: /\bfilename="([^"]*)"/.exec(disposition)?.[1], contentType: /content-type:\s*([^\r\n]+)/i.exec(headers)?.[1]?.trim(), bytes: Buffer.from(part.subarray(split + 4)) });
    at = next;
  }
  return parts;
}
