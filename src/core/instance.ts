// One WASM core instance per thread (module-level state is per thread in Node workers and browsers alike).
// The module's bytes are embedded at build time, so loading needs neither `fs` nor `fetch`.
//
// Memory discipline: JS copies inputs into blocks it got from `alloc`, calls an export, and reads results
// back. Growth of linear memory detaches every view of the old buffer, so callers always take views from
// `heap()` after the last call that could allocate, never cache them across calls.

import { CoreError } from "../errors/index.js";
import { WASM_BASE64 } from "./wasm-binary.generated.js";

export interface CoreExports {
  memory: WebAssembly.Memory;
  alloc(size: number): number;
  free(ptr: number): void;
  crc32c_update(crc: number, ptr: number, len: number): number;
  varint_encode_i32(inPtr: number, count: number, outPtr: number, outCap: number): number;
  varint_decode_i32(inPtr: number, len: number, outPtr: number, maxCount: number): number;
  varint_encode_i64(inPtr: number, count: number, outPtr: number, outCap: number): number;
  varint_decode_i64(inPtr: number, len: number, outPtr: number, maxCount: number): number;
  uvarint_encode_u32(inPtr: number, count: number, outPtr: number, outCap: number): number;
  uvarint_decode_u32(inPtr: number, len: number, outPtr: number, maxCount: number): number;
  murmur2(ptr: number, len: number): number;
  partition_for_key(ptr: number, len: number, partitions: number): number;
  offset_index_lookup(ptr: number, entries: number, target: number): number;
  time_index_lookup(ptr: number, entries: number, target: bigint): number;
  [name: string]: unknown;
}

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

const imports = {
  env: {
    // Only reachable through a bug in the core (it validates its inputs instead of asserting).
    abort(_message: number, _file: number, line: number, column: number): never {
      throw new CoreError(`WASM core aborted at ${line}:${column}`);
    },
  },
};

/**
 * The compiled module, shareable with other threads via postMessage if a caller wants to skip a compile.
 * Compiled and instantiated synchronously (the module is ~13 KB, far below the size browsers allow on the
 * main thread): no top-level await, so the client also loads with require() (CommonJS bundle) and bundlers
 * targeting older syntax.
 */
export const coreModule: WebAssembly.Module = new WebAssembly.Module(decodeBase64(WASM_BASE64));
const instance = new WebAssembly.Instance(coreModule, imports);

export const core = instance.exports as unknown as CoreExports;

let u8 = new Uint8Array(core.memory.buffer);
let view = new DataView(core.memory.buffer);

// Growth detaches the old buffer: a detached Uint8Array reports length 0 (a DataView would throw instead),
// so the byte view is the cheap probe for both.
function refresh(): void {
  u8 = new Uint8Array(core.memory.buffer);
  view = new DataView(core.memory.buffer);
}

/** A byte view of linear memory, refreshed if memory grew since the last call. */
export function heap(): Uint8Array {
  if (u8.byteLength === 0) refresh();
  return u8;
}

/** A DataView of linear memory, refreshed if memory grew. */
export function heapView(): DataView {
  if (u8.byteLength === 0) refresh();
  return view;
}

/** Allocates `size` bytes in linear memory or throws CoreError. */
export function allocOrThrow(size: number): number {
  const ptr = core.alloc(size);
  if (ptr === 0) throw new CoreError(`WASM core cannot allocate ${size} bytes`);
  return ptr;
}

/**
 * A reusable block of linear memory that grows by doubling. Each wrapper owns a few of these, so the steady
 * state of a hot path allocates nothing.
 */
export class Region {
  ptr = 0;
  size = 0;

  constructor(private readonly minSize = 64 * 1024) {}

  /** Returns a pointer to at least `size` bytes; contents are not preserved across growth. */
  reserve(size: number): number {
    if (size > this.size) {
      const next = Math.max(this.minSize, 2 ** Math.ceil(Math.log2(Math.max(size, 1))));
      if (this.ptr !== 0) core.free(this.ptr);
      this.ptr = 0;
      this.size = 0;
      this.ptr = allocOrThrow(next);
      this.size = next;
    }
    return this.ptr;
  }

  /** Copies `bytes` into the region (growing it if needed) and returns the pointer. */
  load(bytes: Uint8Array): number {
    const ptr = this.reserve(bytes.length);
    heap().set(bytes, ptr);
    return ptr;
  }
}
