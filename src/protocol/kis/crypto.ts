import { ProtocolError, describeError } from '../../core/errors.js';
import { aes256CbcDecrypt } from './aes.js';

/**
 * Decrypts the body of an encrypted KIS data frame (`1|…`): base64 text, AES-256-CBC with
 * PKCS#7 padding, `key` (32 characters) and `iv` (16 characters) as UTF-8 bytes, from the
 * subscribe reply. Must be synchronous (decode is, so frames keep their order); throw on failure.
 */
export type KisDecrypt = (cipherBase64: string, key: string, iv: string) => string;

interface NodeDecipher {
  update(data: Uint8Array): Uint8Array;
  final(): Uint8Array;
}
interface NodeCrypto {
  createDecipheriv(algorithm: string, key: Uint8Array, iv: Uint8Array): NodeDecipher;
}

let nodeCrypto: NodeCrypto | null | undefined;

/**
 * `node:crypto`, loaded on first use through `process.getBuiltinModule` (Node >= 20.16), so
 * the client entry has no static Node import and bundles for browsers; `null` elsewhere.
 */
function loadNodeCrypto(): NodeCrypto | null {
  if (nodeCrypto !== undefined) return nodeCrypto;
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const mod = proc?.getBuiltinModule?.('node:crypto') as NodeCrypto | undefined;
  nodeCrypto = mod && typeof mod.createDecipheriv === 'function' ? mod : null;
  return nodeCrypto;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

function base64ToBytes(text: string): Uint8Array {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * The default `decrypt` of `kisProtocol()`: AES-256-CBC through `node:crypto` on Node >= 20.16,
 * else (browsers, workers, older Node) a synchronous AES in plain JavaScript — Web Crypto's
 * `subtle.decrypt` is asynchronous and would reorder frames. Pass `kisProtocol({ decrypt })`
 * to use another implementation.
 */
export const kisAesDecrypt: KisDecrypt = (cipherBase64, key, iv) => {
  const keyBytes = encoder.encode(key);
  const ivBytes = encoder.encode(iv);
  if (keyBytes.length !== 32 || ivBytes.length !== 16) {
    throw new ProtocolError('DECODE_ERROR', `AES-256-CBC needs a 32-byte key and a 16-byte iv (got ${keyBytes.length}/${ivBytes.length})`);
  }
  const c = loadNodeCrypto();
  if (!c) return decoder.decode(aes256CbcDecrypt(base64ToBytes(cipherBase64), keyBytes, ivBytes));
  const decipher = c.createDecipheriv('aes-256-cbc', keyBytes, ivBytes);
  const head = decipher.update(base64ToBytes(cipherBase64));
  const tail = decipher.final();
  const plain = new Uint8Array(head.length + tail.length);
  plain.set(head, 0);
  plain.set(tail, head.length);
  return decoder.decode(plain);
};

/** @deprecated the former name of {@link kisAesDecrypt}, which now also works outside Node. */
export const nodeAesDecrypt: KisDecrypt = kisAesDecrypt;

/** A key/iv pair from a subscribe reply's `output`. Never logged. */
export interface KisAesKey {
  readonly key: string;
  readonly iv: string;
}

/**
 * Decrypt with the first candidate that works (the frame names its tr_id, not its tr_key, so
 * every key issued for that tr_id on this session is a candidate; newest first). A wrong key
 * fails the padding or UTF-8 check almost always.
 */
export function decryptWithAny(decrypt: KisDecrypt, cipherBase64: string, candidates: readonly KisAesKey[], trId: string): string {
  if (candidates.length === 0) {
    throw new ProtocolError('DECODE_ERROR', `encrypted KIS ${trId} frame before any subscribe reply carried its AES key`, { details: { trId } });
  }
  let last: unknown;
  for (let i = candidates.length - 1; i >= 0; i--) {
    const k = candidates[i]!;
    try {
      return decrypt(cipherBase64, k.key, k.iv);
    } catch (err) {
      last = err;
    }
  }
  // The cause's text only: key material never reaches a message.
  throw new ProtocolError('DECODE_ERROR', `cannot decrypt KIS ${trId} frame: ${describeError(last)}`, { details: { trId } });
}
