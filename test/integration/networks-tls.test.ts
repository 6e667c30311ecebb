import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isStreamClientError, type StreamClient, type StreamClientError, type StateChange } from '../../src/index.js';
import { captureLogger, testClient } from '../helpers/client.js';
import { observed, plainProtocol, upgradeServer, type UpgradeServer } from '../helpers/network-servers.js';
import { makeTestPki, type TestPki } from '../helpers/tls-certs.js';

let pki: TestPki;
let server: UpgradeServer | undefined;
const clients: StreamClient[] = [];

beforeAll(async () => {
  pki = await makeTestPki();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await server?.close();
  server = undefined;
});
afterAll(() => {});

function record(client: StreamClient): { states: StateChange[]; errors: StreamClientError[] } {
  const states: StateChange[] = [];
  const errors: StreamClientError[] = [];
  client.on('state', (s) => states.push(s));
  client.on('error', (e) => errors.push(e));
  return { states, errors };
}

describe('TLS against a server whose certificate a private CA signed', () => {
  it('connects with tls.ca and a client certificate (mutual TLS); the server sees the client certificate', async () => {
    server = await upgradeServer({ pem: pki.good, clientCa: pki.ca.cert });
    const client = testClient(server.url, { protocol: plainProtocol(), tls: { ca: pki.ca.cert, cert: pki.client.cert, key: pki.client.key } });
    clients.push(client);
    await client.start();
    expect(client.health().state).toBe('open');
    const peer = (server.upgrades[0]!.socket as import('node:tls').TLSSocket).getPeerCertificate();
    expect(peer.subject.CN).toBe('steadystream client');
  });

  it('connects to wss://localhost with tls.servername checked against the certificate', async () => {
    server = await upgradeServer({ pem: pki.good });
    const client = testClient(`wss://localhost:${server.port}`, { protocol: plainProtocol(), tls: { ca: pki.ca.cert, servername: 'localhost' } });
    clients.push(client);
    await client.start();
    expect(server.upgrades).toHaveLength(1);
  });

  const refused = [
    ['expired', 'expired', 'CERT_HAS_EXPIRED'],
    ['wrongHost', 'hostname-mismatch', 'ERR_TLS_CERT_ALTNAME_INVALID'],
    ['otherCa', 'untrusted-ca', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
    ['selfSigned', 'self-signed', 'DEPTH_ZERO_SELF_SIGNED_CERT'],
  ] as const;
  for (const [which, reason, tlsCode] of refused) {
    it(`a ${which} certificate fails once with TLS_ERROR (${reason}), no reconnect loop`, async () => {
      server = await upgradeServer({ pem: pki[which] });
      const client = testClient(server.url, { protocol: plainProtocol(), tls: { ca: pki.ca.cert } });
      clients.push(client);
      const seen = record(client);
      const err = await client.start().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isStreamClientError(err, 'TLS_ERROR')).toBe(true);
      expect((err as StreamClientError).details).toEqual({ reason, tlsCode });
      expect(seen.states.map((s) => s.to)).toEqual(['connecting', 'failed']);
      expect(seen.states[1]!.reason).toBe(`tls:${reason}`);
      expect(seen.errors.map((e) => e.code)).toEqual(['TLS_ERROR']);
      expect(client.metrics().connectAttempts).toBe(1);
      expect(server.upgrades).toHaveLength(0);
    });
  }

  it('never shows the TLS key or a header value in a log record (trace level), an event, an error or its cause', async () => {
    server = await upgradeServer({ pem: pki.expired, clientCa: pki.ca.cert });
    const cap = captureLogger();
    const headerSecret = 'static-api-key-5f1c9e0b7a';
    const client = testClient(server.url, {
      protocol: plainProtocol(),
      logger: cap.logger,
      headers: { 'X-Api-Key': headerSecret },
      tls: { ca: pki.ca.cert, cert: pki.client.cert, key: pki.client.key },
    });
    clients.push(client);
    const seen = record(client);
    const err = await client.start().catch((e: unknown) => e);
    expect(isStreamClientError(err, 'TLS_ERROR')).toBe(true);
    const text = observed(cap.lines, [err, ...seen.states, ...seen.errors]);
    expect(cap.lines.length).toBeGreaterThan(0);
    expect(text).toContain('TLS_ERROR');
    const keyBody = pki.client.key
      .split('\n')
      .filter((l) => l && !l.startsWith('-----'))
      .join('');
    expect(text).not.toContain(keyBody.slice(0, 24));
    expect(text).not.toContain(headerSecret);
  });
});
