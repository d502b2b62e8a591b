// secp256k1.js: the Ethereum signing primitives that Sigil's development
// wallet needs, written from the specifications with BigInt and WebCrypto:
//
//   - Keccak-256 (the original Keccak padding used by Ethereum, not SHA3-256)
//   - secp256k1 point arithmetic (Jacobian coordinates)
//   - EIP-55 checksummed addresses
//   - EIP-191 personal messages ("\x19Ethereum Signed Message:\n" + length)
//   - ECDSA with deterministic nonces (RFC 6979, HMAC-SHA256 from
//     crypto.subtle), low-s normalisation (EIP-2) and a recovery id
//
// It runs unchanged in browsers and in Node 20+, where globalThis.crypto.subtle
// exists. It is meant for local testing only: BigInt arithmetic is not
// constant time, so a key used here may leak through timing. Never use it to
// hold real funds.

const encoder = new TextEncoder();

// ---------------------------------------------------------------------------
// Byte helpers

/** bytesToHex returns the lowercase hex of bytes, without a 0x prefix. */
export function bytesToHex(bytes) {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

/** hexToBytes decodes hex (with or without 0x). It throws on bad input. */
export function hexToBytes(hex) {
  if (typeof hex !== 'string') throw new TypeError('hex must be a string');
  const s = hex.startsWith('0x') || hex.startsWith('0X') ? hex.slice(2) : hex;
  if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) {
    throw new TypeError('invalid hex string');
  }
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** utf8ToBytes encodes a string as UTF-8. */
export function utf8ToBytes(text) {
  return encoder.encode(text);
}

function concatBytes(...parts) {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

function bytesToBigInt(bytes) {
  return bytes.length === 0 ? 0n : BigInt('0x' + bytesToHex(bytes));
}

function bigIntTo32Bytes(n) {
  return hexToBytes(n.toString(16).padStart(64, '0'));
}

// ---------------------------------------------------------------------------
// Keccak-256
//
// The 1600-bit state is 25 lanes of 64 bits. Each lane is kept as two 32-bit
// words (low word first) in a Uint32Array of 50, so that the lane for byte i
// of the state is simply word i >> 2.

const ROUND_LO = new Uint32Array(24);
const ROUND_HI = new Uint32Array(24);
const RHO = new Uint8Array(25); // rotation offset of lane x + 5y
const PI = new Uint8Array(25); // where lane x + 5y lands after the pi step

(function initKeccakTables() {
  // Round constants from the LFSR of the Keccak reference (section 1.2 of
  // "The Keccak reference"): x^8 + x^6 + x^5 + x^4 + 1.
  let r = 1;
  const nextBit = () => {
    const bit = r & 1;
    r <<= 1;
    if (r & 0x100) r ^= 0x171;
    return bit;
  };
  for (let round = 0; round < 24; round++) {
    let lo = 0;
    let hi = 0;
    for (let j = 0; j < 7; j++) {
      if (nextBit()) {
        const pos = (1 << j) - 1;
        if (pos < 32) lo |= 1 << pos;
        else hi |= 1 << (pos - 32);
      }
    }
    ROUND_LO[round] = lo;
    ROUND_HI[round] = hi;
  }
  // Rotation offsets: walk (x, y) -> (y, 2x + 3y) from (1, 0).
  let x = 1;
  let y = 0;
  for (let t = 0; t < 24; t++) {
    RHO[x + 5 * y] = (((t + 1) * (t + 2)) / 2) % 64;
    [x, y] = [y, (2 * x + 3 * y) % 5];
  }
  // pi: B[y, 2x + 3y] = A[x, y].
  for (let xx = 0; xx < 5; xx++) {
    for (let yy = 0; yy < 5; yy++) {
      PI[xx + 5 * yy] = yy + 5 * ((2 * xx + 3 * yy) % 5);
    }
  }
})();

function keccakF1600(s) {
  const c = new Uint32Array(10);
  const b = new Uint32Array(50);
  for (let round = 0; round < 24; round++) {
    // theta
    for (let x = 0; x < 5; x++) {
      c[2 * x] = s[2 * x] ^ s[2 * x + 10] ^ s[2 * x + 20] ^ s[2 * x + 30] ^ s[2 * x + 40];
      c[2 * x + 1] = s[2 * x + 1] ^ s[2 * x + 11] ^ s[2 * x + 21] ^ s[2 * x + 31] ^ s[2 * x + 41];
    }
    for (let x = 0; x < 5; x++) {
      const next = (x + 1) % 5;
      const prev = (x + 4) % 5;
      const lo1 = c[2 * next];
      const hi1 = c[2 * next + 1];
      const dLo = c[2 * prev] ^ ((lo1 << 1) | (hi1 >>> 31));
      const dHi = c[2 * prev + 1] ^ ((hi1 << 1) | (lo1 >>> 31));
      for (let y = 0; y < 25; y += 5) {
        s[2 * (x + y)] ^= dLo;
        s[2 * (x + y) + 1] ^= dHi;
      }
    }
    // rho and pi
    for (let i = 0; i < 25; i++) {
      const lo = s[2 * i];
      const hi = s[2 * i + 1];
      const n = RHO[i];
      let rLo;
      let rHi;
      if (n === 0) {
        rLo = lo;
        rHi = hi;
      } else if (n < 32) {
        rLo = (lo << n) | (hi >>> (32 - n));
        rHi = (hi << n) | (lo >>> (32 - n));
      } else if (n === 32) {
        rLo = hi;
        rHi = lo;
      } else {
        const m = n - 32;
        rLo = (hi << m) | (lo >>> (32 - m));
        rHi = (lo << m) | (hi >>> (32 - m));
      }
      b[2 * PI[i]] = rLo;
      b[2 * PI[i] + 1] = rHi;
    }
    // chi
    for (let y = 0; y < 25; y += 5) {
      for (let x = 0; x < 5; x++) {
        const i = x + y;
        const i1 = ((x + 1) % 5) + y;
        const i2 = ((x + 2) % 5) + y;
        s[2 * i] = b[2 * i] ^ (~b[2 * i1] & b[2 * i2]);
        s[2 * i + 1] = b[2 * i + 1] ^ (~b[2 * i1 + 1] & b[2 * i2 + 1]);
      }
    }
    // iota
    s[0] ^= ROUND_LO[round];
    s[1] ^= ROUND_HI[round];
  }
}

const KECCAK_RATE = 136; // bytes: 1600 - 2 * 256 bits

/** keccak256 returns the 32-byte Keccak-256 digest of data (a Uint8Array). */
export function keccak256(data) {
  if (!(data instanceof Uint8Array)) throw new TypeError('keccak256 needs a Uint8Array');
  const state = new Uint32Array(50);
  const absorb = (block) => {
    for (let i = 0; i < KECCAK_RATE; i++) state[i >> 2] ^= block[i] << (8 * (i & 3));
    keccakF1600(state);
  };
  let offset = 0;
  for (; offset + KECCAK_RATE <= data.length; offset += KECCAK_RATE) {
    absorb(data.subarray(offset, offset + KECCAK_RATE));
  }
  const last = new Uint8Array(KECCAK_RATE);
  last.set(data.subarray(offset));
  last[data.length - offset] ^= 0x01;
  last[KECCAK_RATE - 1] ^= 0x80;
  absorb(last);
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = (state[i >> 2] >>> (8 * (i & 3))) & 0xff;
  return out;
}

// ---------------------------------------------------------------------------
// secp256k1: y^2 = x^3 + 7 over F_p

const P = 2n ** 256n - 2n ** 32n - 977n;
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const HALF_N = N >> 1n;
const GX = 0x79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798n;
const GY = 0x483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8n;

function mod(a, m) {
  const r = a % m;
  return r >= 0n ? r : r + m;
}

// invert returns a^-1 mod m by the extended Euclidean algorithm.
function invert(a, m) {
  let [oldR, r] = [mod(a, m), m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  if (oldR !== 1n) throw new RangeError('value has no inverse');
  return mod(oldS, m);
}

// Points are Jacobian triples [X, Y, Z] standing for (X / Z^2, Y / Z^3);
// Z = 0 is the point at infinity.
const INFINITY = [0n, 1n, 0n];
const G = [GX, GY, 1n];

function pointDouble([x, y, z]) {
  if (z === 0n || y === 0n) return INFINITY;
  // dbl-2009-l (a = 0)
  const a = mod(x * x, P);
  const b = mod(y * y, P);
  const c = mod(b * b, P);
  const d = mod(2n * (mod((x + b) * (x + b), P) - a - c), P);
  const e = mod(3n * a, P);
  const f = mod(e * e, P);
  const x3 = mod(f - 2n * d, P);
  const y3 = mod(e * (d - x3) - 8n * c, P);
  const z3 = mod(2n * y * z, P);
  return [x3, y3, z3];
}

function pointAdd(p1, p2) {
  const [x1, y1, z1] = p1;
  const [x2, y2, z2] = p2;
  if (z1 === 0n) return p2;
  if (z2 === 0n) return p1;
  const z1z1 = mod(z1 * z1, P);
  const z2z2 = mod(z2 * z2, P);
  const u1 = mod(x1 * z2z2, P);
  const u2 = mod(x2 * z1z1, P);
  const s1 = mod(y1 * z2 * z2z2, P);
  const s2 = mod(y2 * z1 * z1z1, P);
  const h = mod(u2 - u1, P);
  const r = mod(s2 - s1, P);
  if (h === 0n) return r === 0n ? pointDouble(p1) : INFINITY;
  const h2 = mod(h * h, P);
  const h3 = mod(h * h2, P);
  const u1h2 = mod(u1 * h2, P);
  const x3 = mod(r * r - h3 - 2n * u1h2, P);
  const y3 = mod(r * (u1h2 - x3) - s1 * h3, P);
  const z3 = mod(h * z1 * z2, P);
  return [x3, y3, z3];
}

// multiply returns k * point by double-and-add (not constant time).
function multiply(point, k) {
  let result = INFINITY;
  for (let i = BigInt(k.toString(2).length) - 1n; i >= 0n; i--) {
    result = pointDouble(result);
    if ((k >> i) & 1n) result = pointAdd(result, point);
  }
  return result;
}

function toAffine([x, y, z]) {
  if (z === 0n) throw new RangeError('point at infinity');
  const zInv = invert(z, P);
  const zInv2 = mod(zInv * zInv, P);
  return [mod(x * zInv2, P), mod(y * zInv2 * zInv, P)];
}

function parsePrivateKey(privHex) {
  let bytes;
  try {
    bytes = hexToBytes(privHex);
  } catch {
    throw new TypeError('private key must be 32 bytes of hex');
  }
  if (bytes.length !== 32) throw new TypeError('private key must be 32 bytes of hex');
  const d = bytesToBigInt(bytes);
  if (d === 0n || d >= N) throw new RangeError('private key is out of range');
  return d;
}

// ---------------------------------------------------------------------------
// Addresses

/** toChecksumAddress applies EIP-55 mixed-case checksumming to an address. */
export function toChecksumAddress(address) {
  const lower = address.toLowerCase().replace(/^0x/, '');
  if (!/^[0-9a-f]{40}$/.test(lower)) throw new TypeError('invalid address');
  const hash = bytesToHex(keccak256(encoder.encode(lower)));
  let out = '0x';
  for (let i = 0; i < 40; i++) {
    out += parseInt(hash[i], 16) >= 8 ? lower[i].toUpperCase() : lower[i];
  }
  return out;
}

/**
 * privateToAddress returns the EIP-55 address of a private key given as 64
 * hex digits (0x optional).
 */
export function privateToAddress(privHex) {
  const d = parsePrivateKey(privHex);
  const [x, y] = toAffine(multiply(G, d));
  const publicKey = concatBytes(bigIntTo32Bytes(x), bigIntTo32Bytes(y));
  return toChecksumAddress(bytesToHex(keccak256(publicKey).subarray(12)));
}

// ---------------------------------------------------------------------------
// Signing

/**
 * hashMessage returns the EIP-191 (version 0x45) hash of a personal message:
 * keccak256("\x19Ethereum Signed Message:\n" + byteLength + message).
 */
export function hashMessage(message) {
  if (!(message instanceof Uint8Array)) throw new TypeError('message must be a Uint8Array');
  const prefix = encoder.encode(`\x19Ethereum Signed Message:\n${message.length}`);
  return keccak256(concatBytes(prefix, message));
}

function getSubtle() {
  const subtle = globalThis.crypto && globalThis.crypto.subtle;
  if (!subtle) {
    throw new Error('WebCrypto is not available here: the development wallet needs a secure context (https or localhost)');
  }
  return subtle;
}

async function hmacSha256(key, ...parts) {
  const subtle = getSubtle();
  const cryptoKey = await subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await subtle.sign('HMAC', cryptoKey, concatBytes(...parts)));
}

/**
 * signHash signs a 32-byte hash with ECDSA over secp256k1. The nonce is
 * derived per RFC 6979 section 3.2 (HMAC-SHA256, qlen = hlen = 256), s is
 * normalised to the lower half of the order (EIP-2) and the recovery id
 * flipped to match. It resolves to { r, s, recovery } with r and s BigInts.
 */
export async function signHash(privHex, hash) {
  if (!(hash instanceof Uint8Array) || hash.length !== 32) {
    throw new TypeError('hash must be 32 bytes');
  }
  const d = parsePrivateKey(privHex);
  const z = bytesToBigInt(hash); // bits2int: qlen = 256 bits, nothing to drop
  const x = bigIntTo32Bytes(d); // int2octets(x)
  const h = bigIntTo32Bytes(mod(z, N)); // bits2octets(h1)

  // RFC 6979 3.2 steps b to f.
  let v = new Uint8Array(32).fill(0x01);
  let k = new Uint8Array(32).fill(0x00);
  k = await hmacSha256(k, v, [0x00], x, h);
  v = await hmacSha256(k, v);
  k = await hmacSha256(k, v, [0x01], x, h);
  v = await hmacSha256(k, v);

  // Step h: hlen = qlen, so one HMAC output is a whole candidate.
  for (;;) {
    v = await hmacSha256(k, v);
    const nonce = bytesToBigInt(v);
    if (nonce >= 1n && nonce < N) {
      const [rx, ry] = toAffine(multiply(G, nonce));
      const r = mod(rx, N);
      if (r !== 0n) {
        let s = mod(invert(nonce, N) * (z + r * d), N);
        if (s !== 0n) {
          let recovery = (ry & 1n ? 1 : 0) | (rx >= N ? 2 : 0);
          if (s > HALF_N) {
            s = N - s;
            recovery ^= 1;
          }
          return { r, s, recovery };
        }
      }
    }
    k = await hmacSha256(k, v, [0x00]);
    v = await hmacSha256(k, v);
  }
}

/**
 * personalSign signs message (a Uint8Array) as Ethereum's personal_sign does
 * and resolves to the 65-byte signature r || s || v as 0x hex, with
 * v = 27 + recovery id.
 */
export async function personalSign(privHex, message) {
  const { r, s, recovery } = await signHash(privHex, hashMessage(message));
  const v = (27 + recovery).toString(16).padStart(2, '0');
  return '0x' + bytesToHex(bigIntTo32Bytes(r)) + bytesToHex(bigIntTo32Bytes(s)) + v;
}
