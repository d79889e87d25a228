// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), zlib-style API: `crc32c_update(crc, ptr, len)`
// takes a finished CRC (0 to start) and returns the finished CRC of the bytes so far, so splitting an input
// anywhere and chaining the calls gives the one-shot value. Reads exactly [ptr, ptr + len) and nothing else,
// whatever the bytes, length or alignment.
//
// Two kernels share the raw register (the pre-inverted CRC state):
//   * slice-by-8, for inputs shorter than SIMD_MIN (128) and for the last < 32 bytes;
//   * a WASM-SIMD fold, 128 bytes per loop round, for everything else (~3x slice-by-8 from 2 KiB on).
//
// Why a fold: WASM SIMD has no carry-less multiply (so no PCLMUL-style folding) and no CRC instruction, but
// `i8x16.swizzle` is sixteen 16-entry byte lookups at once, i.e. any GF(2)-linear map from a nibble to a byte
// in 16 lanes. The CRC register is linear in the message bits, so a message byte can be replaced by a few
// bytes further on that have the same effect on the final register ("folded forward"). We keep the pending
// state as such virtual message bytes, in the same lanes as the data, so the data needs no transposing.
//
// The input, seen as 16-byte planes, is two interleaved streams, A (even planes) and B (odd planes):
//
//   offset  0        16       32       48       64       80       96       112      128 (next block)
//           +--------+--------+--------+--------+--------+--------+--------+--------+-----
//           | A0     | B0     | A1     | B1     | A2     | B2     | A3     | B3     | A4 ...
//           +--------+--------+--------+--------+--------+--------+--------+--------+-----
//
// Byte j of a plane is lane j. Folding plane Ak adds, in each lane, one byte to each of A(k+1)..A(k+4)
// (32, 64, 96 and 128 bytes further on): the four bytes FOLD(x) whose combined effect on the register
// equals that of the byte x they replace. FOLD is the same 8-bit -> 32-bit linear map in every lane and
// stream, so one set of eight tables serves all: FOLD(x) = T[lo nibble of x] ^ T'[hi nibble], one swizzle per
// nibble per target. Stream B does the same in its own planes; two streams give the CPU two independent
// dependency chains (a fold is ~6 dependent SIMD ops). Per 16-byte plane: 8 swizzles, ~36 instructions.
//
// Why 32 bytes between targets and not 16 (one stream, targets A1..A4 back to back): for this polynomial
// the map "four lane bytes 16 bytes apart -> register" happens to be singular (rank 31: some multiple of
// P(x) has exactly that shape), so FOLD would not exist; 32 bytes apart it is invertible. initTables computes
// FOLD = E^-1(shift(x, 128 bytes)), where E maps a lane's four target bytes to their effect on the register.
//
// When the input runs out, the pending bytes of the last block XORed with its data are ordinary message
// bytes again: store them, sum them with scalar code from a zero register (the incoming register was XORed
// into the first four message bytes, which is where a CRC register acts), then the last < 32 bytes.

const POLY: u32 = 0x82f63b78;

/**
 * Inputs shorter than this use slice-by-8 only (the SIMD path needs one whole last block). From 128 bytes
 * on the SIMD path wins even with no fold at all, thanks to its two-chain finish: measured on the dev box,
 * 128 B: 49 vs 59 ns, 256 B: 78 vs 119 ns, 1 KiB: ~195 vs ~470 ns.
 */
const SIMD_MIN: usize = 128;

/** Slice-by-8 tables: table t maps a byte to its effect on the register when followed by t more bytes. */
const TABLES: usize = memory.data(8 * 256 * 4, 16);
/** FOLD tables, 16 bytes each, at (2 * (target - 1) + nibble) * 16: target 1..4 planes of the stream ahead. */
const FOLD: usize = memory.data(8 * 16, 16);
/** The last block's pending bytes XOR data: plain message bytes again. */
const SCRATCH: usize = memory.data(128, 16);
/** SHIFT64[k][b]: the register with byte k = b after 64 more zero bytes (4 x 256 u32). */
const SHIFT64: usize = memory.data(4 * 256 * 4, 16);
/** Start-up work areas, 32 u32 each: E(1 << i) being reduced to unit vectors, and their preimages. */
const VALUE: usize = memory.data(32 * 4, 16);
const PREIMAGE: usize = memory.data(32 * 4, 16);

// @ts-ignore: decorator
@inline function T(t: usize, i: u32): u32 {
  return load<u32>(TABLES + (t << 10) + (<usize>(i & 0xff) << 2));
}

/** Register after `n` more zero bytes: multiplication by x^(8n) mod P. Start-up only. */
function shiftZeros(c: u32, n: i32): u32 {
  for (let i = 0; i < n; i++) c = T(0, c) ^ (c >>> 8);
  return c;
}

/**
 * E: a lane's four target bytes (byte o of `f` goes 32 * (o + 1) bytes after the folded byte) to their
 * effect on the register, taken 128 bytes after the folded byte.
 */
function targetsEffect(f: u32): u32 {
  let r: u32 = 0;
  for (let o = 0; o < 4; o++) r ^= shiftZeros((f >>> (8 * <u32>o)) & 0xff, 96 - 32 * o);
  return r;
}

// @ts-ignore: decorator
@inline function word(area: usize, i: usize): u32 {
  return load<u32>(area + (i << 2));
}

// @ts-ignore: decorator
@inline function setWord(area: usize, i: usize, v: u32): void {
  store<u32>(area + (i << 2), v);
}

function initTables(): void {
  for (let n: u32 = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    store<u32>(TABLES + (<usize>n << 2), c);
  }
  for (let n: u32 = 0; n < 256; n++) {
    let c = load<u32>(TABLES + (<usize>n << 2));
    for (let t: usize = 1; t < 8; t++) {
      c = T(0, c) ^ (c >>> 8);
      store<u32>(TABLES + (t << 10) + (<usize>n << 2), c);
    }
  }

  // SHIFT64 is linear in the register: entry b is the XOR of the entries of b's bits (VALUE holds the
  // 8 single-bit entries of the row meanwhile).
  for (let k: usize = 0; k < 4; k++) {
    const row = SHIFT64 + (k << 10);
    for (let i: usize = 0; i < 8; i++) setWord(VALUE, i, shiftZeros(<u32>1 << (8 * <u32>k + <u32>i), 64));
    store<u32>(row, 0);
    for (let b: u32 = 1; b < 256; b++) {
      const rest = load<u32>(row + (<usize>(b & (b - 1)) << 2));
      store<u32>(row + (<usize>b << 2), rest ^ word(VALUE, <usize>ctz(b)));
    }
  }

  // E^-1 by Gauss-Jordan on (value, preimage) pairs: start from (E(1 << i), 1 << i) and reduce the values
  // to unit vectors; pair k then holds E^-1(1 << k). (E is invertible for this stride; were it not, the SIMD
  // path would disagree with the reference, which the tests check at every length class.)
  for (let i: usize = 0; i < 32; i++) {
    setWord(VALUE, i, targetsEffect(<u32>1 << <u32>i));
    setWord(PREIMAGE, i, <u32>1 << <u32>i);
  }
  for (let k: usize = 0; k < 32; k++) {
    let pivot = k;
    while (pivot < 32 && ((word(VALUE, pivot) >>> <u32>k) & 1) == 0) pivot++;
    if (pivot == 32) continue; // singular E: cannot happen for this polynomial and stride
    const v = word(VALUE, pivot);
    const q = word(PREIMAGE, pivot);
    setWord(VALUE, pivot, word(VALUE, k));
    setWord(PREIMAGE, pivot, word(PREIMAGE, k));
    setWord(VALUE, k, v);
    setWord(PREIMAGE, k, q);
    for (let i: usize = 0; i < 32; i++) {
      if (i != k && ((word(VALUE, i) >>> <u32>k) & 1) != 0) {
        setWord(VALUE, i, word(VALUE, i) ^ v);
        setWord(PREIMAGE, i, word(PREIMAGE, i) ^ q);
      }
    }
  }

  // FOLD(v << 4h) = E^-1(effect of that byte 128 bytes on), for every nibble value v and nibble h.
  for (let h: usize = 0; h < 2; h++) {
    for (let v: u32 = 0; v < 16; v++) {
      const effect = shiftZeros(v << (4 * <u32>h), 128);
      let f: u32 = 0;
      for (let k: usize = 0; k < 32; k++) if ((effect >>> <u32>k) & 1) f ^= word(PREIMAGE, k);
      for (let o: usize = 0; o < 4; o++) store<u8>(FOLD + ((o << 1) + h) * 16 + <usize>v, <u8>(f >>> (8 * <u32>o)));
    }
  }
}
initTables();

/** One slice-by-8 step: the register after the 8 bytes at p. */
// @ts-ignore: decorator
@inline function step8(c: u32, p: usize): u32 {
  const lo = load<u32>(p) ^ c;
  const hi = load<u32>(p, 4);
  return (
    T(7, lo) ^ T(6, lo >>> 8) ^ T(5, lo >>> 16) ^ T(4, lo >>> 24) ^
    T(3, hi) ^ T(2, hi >>> 8) ^ T(1, hi >>> 16) ^ T(0, hi >>> 24)
  );
}

/** Raw register update, slice-by-8. */
function crc32cSlice8(c: u32, p: usize, len: usize): u32 {
  const end = p + len;
  while (end - p >= 8) {
    c = step8(c, p);
    p += 8;
  }
  while (p < end) c = T(0, c ^ load<u8>(p++)) ^ (c >>> 8);
  return c;
}

/**
 * Raw register of the 128 bytes at SCRATCH from a zero register. One slice-by-8 chain is latency-bound, so
 * two independent chains run over the halves and are joined by crc(H1 || H2) = shift64(crc(H1)) ^ crc(H2)
 * (raw registers, zero start): ~20 ns less per call than one chain.
 */
function crcScratch(): u32 {
  let c1: u32 = 0;
  let c2: u32 = 0;
  for (let p = SCRATCH; p < SCRATCH + 64; p += 8) {
    c1 = step8(c1, p);
    c2 = step8(c2, p + 64);
  }
  const s =
    load<u32>(SHIFT64 + (<usize>(c1 & 0xff) << 2)) ^
    load<u32>(SHIFT64 + 1024 + (<usize>((c1 >>> 8) & 0xff) << 2)) ^
    load<u32>(SHIFT64 + 2048 + (<usize>((c1 >>> 16) & 0xff) << 2)) ^
    load<u32>(SHIFT64 + 3072 + (<usize>(c1 >>> 24) << 2));
  return s ^ c2;
}

/** One target of a fold: the bytes that nibble vectors `lo`/`hi` put into one plane further on. */
// @ts-ignore: decorator
@inline function fold(tlo: v128, thi: v128, lo: v128, hi: v128): v128 {
  return v128.xor(i8x16.swizzle(tlo, lo), i8x16.swizzle(thi, hi));
}

/** Raw register update of `len` >= 128 bytes. */
function foldAll(c: u32, p: usize, len: usize): u32 {
  const end = p + len;
  const m = i8x16.splat(0x0f);
  // Tables by target distance (in planes of the stream) and nibble. Locals, so they stay in registers.
  const t1l = v128.load(FOLD, 0), t1h = v128.load(FOLD, 16);
  const t2l = v128.load(FOLD, 32), t2h = v128.load(FOLD, 48);
  const t3l = v128.load(FOLD, 64), t3h = v128.load(FOLD, 80);
  const t4l = v128.load(FOLD, 96), t4h = v128.load(FOLD, 112);
  // Pending bytes of the current block's planes: a0 = A0 ... b3 = B3. The incoming register joins the
  // first four message bytes.
  let a0 = i32x4.replace_lane(i32x4.splat(0), 0, <i32>c);
  let a1 = i32x4.splat(0), a2 = a1, a3 = a1;
  let b0 = a1, b1 = a1, b2 = a1, b3 = a1;
  let y: v128, lo: v128, hi: v128;
  // Each step: the plane is complete (pending ^ data); fold it into the stream's next four planes, the
  // fourth of which (in the next block) reuses the slot just freed.
  while (end - p >= 256) {
    y = v128.xor(a0, v128.load(p, 0));
    lo = v128.and(y, m); hi = v128.and(i16x8.shr_u(y, 4), m);
    a1 = v128.xor(a1, fold(t1l, t1h, lo, hi));
    a2 = v128.xor(a2, fold(t2l, t2h, lo, hi));
    a3 = v128.xor(a3, fold(t3l, t3h, lo, hi));
    a0 = fold(t4l, t4h, lo, hi);

    y = v128.xor(b0, v128.load(p, 16));
    lo = v128.and(y, m); hi = v128.and(i16x8.shr_u(y, 4), m);
    b1 = v128.xor(b1, fold(t1l, t1h, lo, hi));
    b2 = v128.xor(b2, fold(t2l, t2h, lo, hi));
    b3 = v128.xor(b3, fold(t3l, t3h, lo, hi));
    b0 = fold(t4l, t4h, lo, hi);

    y = v128.xor(a1, v128.load(p, 32));
    lo = v128.and(y, m); hi = v128.and(i16x8.shr_u(y, 4), m);
    a2 = v128.xor(a2, fold(t1l, t1h, lo, hi));
    a3 = v128.xor(a3, fold(t2l, t2h, lo, hi));
    a0 = v128.xor(a0, fold(t3l, t3h, lo, hi));
    a1 = fold(t4l, t4h, lo, hi);

    y = v128.xor(b1, v128.load(p, 48));
    lo = v128.and(y, m); hi = v128.and(i16x8.shr_u(y, 4), m);
    b2 = v128.xor(b2, fold(t1l, t1h, lo, hi));
    b3 = v128.xor(b3, fold(t2l, t2h, lo, hi));
    b0 = v128.xor(b0, fold(t3l, t3h, lo, hi));
    b1 = fold(t4l, t4h, lo, hi);

    y = v128.xor(a2, v128.load(p, 64));
    lo = v128.and(y, m); hi = v128.and(i16x8.shr_u(y, 4), m);
    a3 = v128.xor(a3, fold(t1l, t1h, lo, hi));
    a0 = v128.xor(a0, fold(t2l, t2h, lo, hi));
    a1 = v128.xor(a1, fold(t3l, t3h, lo, hi));
    a2 = fold(t4l, t4h, lo, hi);

    y = v128.xor(b2, v128.load(p, 80));
    lo = v128.and(y, m); hi = v128.and(i16x8.shr_u(y, 4), m);
    b3 = v128.xor(b3, fold(t1l, t1h, lo, hi));
    b0 = v128.xor(b0, fold(t2l, t2h, lo, hi));
    b1 = v128.xor(b1, fold(t3l, t3h, lo, hi));
    b2 = fold(t4l, t4h, lo, hi);

    y = v128.xor(a3, v128.load(p, 96));
    lo = v128.and(y, m); hi = v128.and(i16x8.shr_u(y, 4), m);
    a0 = v128.xor(a0, fold(t1l, t1h, lo, hi));
    a1 = v128.xor(a1, fold(t2l, t2h, lo, hi));
    a2 = v128.xor(a2, fold(t3l, t3h, lo, hi));
    a3 = fold(t4l, t4h, lo, hi);

    y = v128.xor(b3, v128.load(p, 112));
    lo = v128.and(y, m); hi = v128.and(i16x8.shr_u(y, 4), m);
    b0 = v128.xor(b0, fold(t1l, t1h, lo, hi));
    b1 = v128.xor(b1, fold(t2l, t2h, lo, hi));
    b2 = v128.xor(b2, fold(t3l, t3h, lo, hi));
    b3 = fold(t4l, t4h, lo, hi);

    p += 128;
  }
  // Whole 32-byte steps (one plane per stream) while a full last block still follows: the same folds,
  // with the slots renamed by moves instead of by unrolling. At most three rounds.
  while (end - p >= 160) {
    y = v128.xor(a0, v128.load(p, 0));
    lo = v128.and(y, m); hi = v128.and(i16x8.shr_u(y, 4), m);
    a0 = v128.xor(a1, fold(t1l, t1h, lo, hi));
    a1 = v128.xor(a2, fold(t2l, t2h, lo, hi));
    a2 = v128.xor(a3, fold(t3l, t3h, lo, hi));
    a3 = fold(t4l, t4h, lo, hi);

    y = v128.xor(b0, v128.load(p, 16));
    lo = v128.and(y, m); hi = v128.and(i16x8.shr_u(y, 4), m);
    b0 = v128.xor(b1, fold(t1l, t1h, lo, hi));
    b1 = v128.xor(b2, fold(t2l, t2h, lo, hi));
    b2 = v128.xor(b3, fold(t3l, t3h, lo, hi));
    b3 = fold(t4l, t4h, lo, hi);

    p += 32;
  }
  v128.store(SCRATCH, v128.xor(a0, v128.load(p, 0)), 0);
  v128.store(SCRATCH, v128.xor(b0, v128.load(p, 16)), 16);
  v128.store(SCRATCH, v128.xor(a1, v128.load(p, 32)), 32);
  v128.store(SCRATCH, v128.xor(b1, v128.load(p, 48)), 48);
  v128.store(SCRATCH, v128.xor(a2, v128.load(p, 64)), 64);
  v128.store(SCRATCH, v128.xor(b2, v128.load(p, 80)), 80);
  v128.store(SCRATCH, v128.xor(a3, v128.load(p, 96)), 96);
  v128.store(SCRATCH, v128.xor(b3, v128.load(p, 112)), 112);
  return crc32cSlice8(crcScratch(), p + 128, end - p - 128);
}

/** Raw (pre-inverted) register update, any length. For callers inside the core. */
export function crc32cRaw(c: u32, p: usize, len: usize): u32 {
  return len < SIMD_MIN ? crc32cSlice8(c, p, len) : foldAll(c, p, len);
}

export function crc32c_update(crc: u32, ptr: usize, len: usize): u32 {
  return ~crc32cRaw(~crc, ptr, len);
}
