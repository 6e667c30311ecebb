import { createCipheriv, createDecipheriv } from 'node:crypto';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isStreamClientError } from '../../../src/core/errors.js';
import { aes256CbcDecrypt } from '../../../src/protocol/kis/aes.js';
import { decryptWithAny, nodeAesDecrypt } from '../../../src/protocol/kis/crypto.js';
import { encryptBody, randomText } from '../../../src/testing/kis/wire.js';

const key = 'abcdefghijklmnopqrstuvwxyz012345';
const iv = '0123456789abcdef';

describe('kis AES-256-CBC', () => {
  it('round-trips any text between the simulator and the protocol', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), (plain) => {
        expect(nodeAesDecrypt(encryptBody(plain, key, iv), key, iv)).toBe(plain);
      }),
    );
  });

  it('matches node:crypto on a KIS-shaped record (PKCS#7, base64, UTF-8 key and iv)', () => {
    const plain = 'CUSTID^12345678^0000001^^02^0^00^0^005930^10^71000^090001';
    const cipher = encryptBody(plain, key, iv);
    const d = createDecipheriv('aes-256-cbc', Buffer.from(key), Buffer.from(iv));
    expect(Buffer.concat([d.update(Buffer.from(cipher, 'base64')), d.final()]).toString('utf8')).toBe(plain);
    expect(nodeAesDecrypt(cipher, key, iv)).toBe(plain);
  });

  it('fails with a wrong key, a bad key size, or no candidate, without echoing key material', () => {
    const cipher = encryptBody('x'.repeat(40), key, iv);
    expect(() => nodeAesDecrypt(cipher, 'Z'.repeat(32), iv)).toThrow();
    expect(() => nodeAesDecrypt(cipher, 'short', iv)).toThrow(/32-byte key/);
    let err: unknown;
    try {
      decryptWithAny(nodeAesDecrypt, cipher, [{ key: 'Z'.repeat(32), iv }], 'H0STCNI0');
    } catch (e) {
      err = e;
    }
    expect(isStreamClientError(err, 'DECODE_ERROR')).toBe(true);
    expect(String((err as Error).message)).not.toContain('Z'.repeat(32));
    expect(() => decryptWithAny(nodeAesDecrypt, cipher, [], 'H0STCNI0')).toThrow(/before any subscribe reply/);
  });

  it('generates key material of the requested length', () => {
    expect(randomText(32)).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(randomText(16)).toHaveLength(16);
  });
});

describe('kis AES-256-CBC without node:crypto (browsers, workers, Node < 20.16)', () => {
  const proc = process as { getBuiltinModule?: unknown };
  const saved = proc.getBuiltinModule;
  afterEach(() => {
    proc.getBuiltinModule = saved;
    vi.resetModules();
  });

  it('decrypts a KIS-shaped record with the default decrypt when process.getBuiltinModule is absent', async () => {
    proc.getBuiltinModule = undefined;
    vi.resetModules();
    const fresh = await import('../../../src/protocol/kis/crypto.js');
    const plain = 'CUSTID^12345678^0000001^^02^0^00^0^005930^10^71000^090001^한글';
    expect(fresh.kisAesDecrypt(encryptBody(plain, key, iv), key, iv)).toBe(plain);
    expect(() => fresh.kisAesDecrypt(encryptBody(plain, key, iv), 'Z'.repeat(32), iv)).toThrow();
  });

  it('matches node:crypto on any key, iv and plaintext length (PKCS#7 included)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.uint8Array({ maxLength: 100 }),
        (k, v, plain) => {
          const e = createCipheriv('aes-256-cbc', k, v);
          const cipher = Buffer.concat([e.update(plain), e.final()]);
          expect(Buffer.from(aes256CbcDecrypt(cipher, k, v))).toEqual(Buffer.from(plain));
        },
      ),
    );
  });

  it('refuses a truncated ciphertext and a wrong key by padding, and leaves the input untouched', () => {
    // Fixed bytes: a random wrong key yields valid padding 1 time in ~256.
    const k = Buffer.alloc(32, 7);
    const v = Buffer.alloc(16, 3);
    const e = createCipheriv('aes-256-cbc', k, v);
    const cipher = Buffer.concat([e.update('x'.repeat(40)), e.final()]);
    const copy = Buffer.from(cipher);
    expect(() => aes256CbcDecrypt(cipher.subarray(0, 40), k, v)).toThrow('AES-CBC ciphertext length is not a positive multiple of 16');
    expect(() => aes256CbcDecrypt(cipher, Buffer.alloc(32, 9), v)).toThrow('bad decrypt: PKCS#7 padding does not check');
    expect(cipher).toEqual(copy);
  });
});
