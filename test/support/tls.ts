import { generate } from 'selfsigned';

export interface TestCertificate {
  /** Server key and self-signed certificate for 127.0.0.1 and localhost (the certificate is its own CA). */
  readonly key: string;
  readonly cert: string;
  /** A client certificate signed by the same key, for mutual TLS. */
  readonly clientKey: string;
  readonly clientCert: string;
}

let cached: Promise<TestCertificate> | undefined;

/** One throwaway CA-and-server certificate and one client certificate per test process, made in memory. */
export function testCertificate(): Promise<TestCertificate> {
  cached ??= make();
  return cached;
}

async function make(): Promise<TestCertificate> {
  const notAfterDate = new Date(Date.now() + 24 * 3600_000);
  const server = await generate([{ name: 'commonName', value: 'kube-lease-test' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true },
      // Also clientAuth: OpenSSL checks the purpose along the whole chain of the client certificate.
      { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }] },
    ],
  });
  const client = await generate([{ name: 'commonName', value: 'kube-lease-client' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notAfterDate,
    ca: { key: server.private, cert: server.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true },
      { name: 'extKeyUsage', clientAuth: true },
    ],
  });
  return { key: server.private, cert: server.cert, clientKey: client.private, clientCert: client.cert };
}
