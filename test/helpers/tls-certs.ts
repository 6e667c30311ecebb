import { generate } from 'selfsigned';

/** PEM pair. */
export interface Pem {
  cert: string;
  key: string;
}

/** A private CA and leaves for 127.0.0.1, each wrong in one way; generated per run, pure JS (no openssl in CI). */
export interface TestPki {
  ca: Pem;
  /** Signed by `ca`, valid now, for localhost and 127.0.0.1. */
  good: Pem;
  /** Signed by `ca`, expired yesterday. */
  expired: Pem;
  /** Signed by `ca`, valid, but for `elsewhere.test` only. */
  wrongHost: Pem;
  /** Signed by another CA the client does not trust. */
  otherCa: Pem;
  /** Its own issuer. */
  selfSigned: Pem;
  /** A client certificate signed by `ca` (mutual TLS). */
  client: Pem;
}

const DAY = 86_400_000;

function leafExtensions(names: { dns?: string[]; ip?: string[] }) {
  return [
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
    {
      name: 'subjectAltName',
      altNames: [...(names.dns ?? []).map((value) => ({ type: 2 as const, value })), ...(names.ip ?? []).map((ip) => ({ type: 7 as const, ip }))],
    },
  ];
}

async function caPem(cn: string): Promise<Pem> {
  const p = await generate([{ name: 'commonName', value: cn }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 30 * DAY),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  } as never);
  return { cert: p.cert, key: p.private };
}

async function leaf(cn: string, ca: Pem | undefined, names: { dns?: string[]; ip?: string[] }, notBefore: Date, notAfter: Date): Promise<Pem> {
  const p = await generate([{ name: 'commonName', value: cn }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate: notBefore,
    notAfterDate: notAfter,
    extensions: leafExtensions(names),
    ...(ca ? { ca: { key: ca.key, cert: ca.cert } } : {}),
  } as never);
  return { cert: p.cert, key: p.private };
}

export async function makeTestPki(): Promise<TestPki> {
  const now = Date.now();
  const valid: [Date, Date] = [new Date(now - DAY), new Date(now + 7 * DAY)];
  const [ca, other] = await Promise.all([caPem('steadystream test CA'), caPem('some other CA')]);
  const local = { dns: ['localhost'], ip: ['127.0.0.1'] };
  const [good, expired, wrongHost, otherCa, selfSigned, client] = await Promise.all([
    leaf('localhost', ca, local, ...valid),
    leaf('localhost', ca, local, new Date(now - 10 * DAY), new Date(now - DAY)),
    leaf('elsewhere.test', ca, { dns: ['elsewhere.test'] }, ...valid),
    leaf('localhost', other, local, ...valid),
    leaf('localhost', undefined, local, ...valid),
    leaf('steadystream client', ca, { dns: ['client.test'] }, ...valid),
  ]);
  return { ca, good, expired, wrongHost, otherCa, selfSigned, client };
}
