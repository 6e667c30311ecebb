import { createDecipheriv } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isStreamClientError } from '../../../src/core/errors.js';
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
