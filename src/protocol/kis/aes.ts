/**
 * AES-256-CBC decryption (PKCS#7) in plain JavaScript, synchronous: where `node:crypto` is
 * absent (browsers, workers, Node < 20.16) encrypted KIS frames still decode in frame order.
 * Web Crypto's `subtle.decrypt` is asynchronous and cannot back a synchronous decoder.
 * KIS encrypts only execution notices (a few frames a minute), so a byte-wise cipher suffices.
 */

let SBOX: Uint8Array | undefined;
let INV: Uint8Array | undefined;

/** Built on first use (no work at import: the module stays side-effect free). */
function tables(): [Uint8Array, Uint8Array] {
  if (SBOX && INV) return [SBOX, INV];
  const s = new Uint8Array(256);
  const inv = new Uint8Array(256);
  const rotl = (x: number, n: number): number => ((x << n) | (x >> (8 - n))) & 0xff;
  // p walks GF(2^8)* by powers of 3, q by powers of 3^-1 = the inverse of p.
  let p = 1;
  let q = 1;
  do {
    p = (p ^ (p << 1) ^ (p & 0x80 ? 0x1b : 0)) & 0xff;
    q = (q ^ (q << 1)) & 0xff;
    q = (q ^ (q << 2)) & 0xff;
    q = (q ^ (q << 4)) & 0xff;
    if (q & 0x80) q ^= 0x09;
    s[p] = q ^ rotl(q, 1) ^ rotl(q, 2) ^ rotl(q, 3) ^ rotl(q, 4) ^ 0x63;
  } while (p !== 1);
  s[0] = 0x63;
  for (let i = 0; i < 256; i++) inv[s[i]!] = i;
  SBOX = s;
  INV = inv;
  return [s, inv];
}

const xtime = (x: number): number => ((x << 1) ^ (x & 0x80 ? 0x1b : 0)) & 0xff;

/** GF(2^8) product, for InvMixColumns' 9, 11, 13, 14. */
function mul(a: number, b: number): number {
  let r = 0;
  for (; b; b >>= 1, a = xtime(a)) if (b & 1) r ^= a;
  return r;
}

/** The 15 round keys of AES-256, 240 bytes. */
function expandKey(key: Uint8Array, s: Uint8Array): Uint8Array {
  const rk = new Uint8Array(240);
  rk.set(key);
  let rcon = 1;
  for (let i = 32; i < 240; i += 4) {
    let t0 = rk[i - 4]!;
    let t1 = rk[i - 3]!;
    let t2 = rk[i - 2]!;
    let t3 = rk[i - 1]!;
    if (i % 32 === 0) {
      const first = t0;
      t0 = s[t1]! ^ rcon;
      t1 = s[t2]!;
      t2 = s[t3]!;
      t3 = s[first]!;
      rcon = xtime(rcon);
    } else if (i % 32 === 16) {
      t0 = s[t0]!;
      t1 = s[t1]!;
      t2 = s[t2]!;
      t3 = s[t3]!;
    }
    rk[i] = rk[i - 32]! ^ t0;
    rk[i + 1] = rk[i - 31]! ^ t1;
    rk[i + 2] = rk[i - 30]! ^ t2;
    rk[i + 3] = rk[i - 29]! ^ t3;
  }
  return rk;
}

/** Decrypt one 16-byte block in place (state bytes in column order, as on the wire). */
function decryptBlock(st: Uint8Array, rk: Uint8Array, inv: Uint8Array): void {
  const tmp = new Uint8Array(16);
  for (let i = 0; i < 16; i++) st[i]! ^= rk[224 + i]!;
  for (let round = 13; round >= 0; round--) {
    // InvShiftRows + InvSubBytes: row r moves r columns right.
    for (let c = 0; c < 4; c++) for (let r = 0; r < 4; r++) tmp[r + 4 * ((c + r) % 4)] = inv[st[r + 4 * c]!]!;
    for (let i = 0; i < 16; i++) st[i] = tmp[i]! ^ rk[round * 16 + i]!;
    if (round === 0) break;
    for (let c = 0; c < 16; c += 4) {
      const a0 = st[c]!;
      const a1 = st[c + 1]!;
      const a2 = st[c + 2]!;
      const a3 = st[c + 3]!;
      st[c] = mul(a0, 14) ^ mul(a1, 11) ^ mul(a2, 13) ^ mul(a3, 9);
      st[c + 1] = mul(a0, 9) ^ mul(a1, 14) ^ mul(a2, 11) ^ mul(a3, 13);
      st[c + 2] = mul(a0, 13) ^ mul(a1, 9) ^ mul(a2, 14) ^ mul(a3, 11);
      st[c + 3] = mul(a0, 11) ^ mul(a1, 13) ^ mul(a2, 9) ^ mul(a3, 14);
    }
  }
}

/**
 * AES-256-CBC decrypt with PKCS#7 unpadding. Throws a plain `Error` on a bad length or bad
 * padding (a wrong key, almost always); the message never carries key material.
 */
export function aes256CbcDecrypt(cipher: Uint8Array, key: Uint8Array, iv: Uint8Array): Uint8Array {
  if (key.length !== 32 || iv.length !== 16) throw new Error('AES-256-CBC needs a 32-byte key and a 16-byte iv');
  if (cipher.length === 0 || cipher.length % 16 !== 0) throw new Error('AES-CBC ciphertext length is not a positive multiple of 16');
  const [s, inv] = tables();
  const rk = expandKey(key, s);
  const out = new Uint8Array(cipher.length);
  const st = new Uint8Array(16);
  let prev = iv;
  for (let off = 0; off < cipher.length; off += 16) {
    const block = cipher.subarray(off, off + 16);
    st.set(block); // a copy: Buffer#slice would alias the caller's bytes
    decryptBlock(st, rk, inv);
    for (let i = 0; i < 16; i++) out[off + i] = st[i]! ^ prev[i]!;
    prev = block;
  }
  const pad = out[out.length - 1]!;
  let bad = pad === 0 || pad > 16 ? 1 : 0;
  for (let i = 1; i <= pad && i <= 16; i++) if (out[out.length - i] !== pad) bad = 1;
  if (bad) throw new Error('bad decrypt: PKCS#7 padding does not check');
  return out.subarray(0, out.length - pad);
}
