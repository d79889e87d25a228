// kafkajs 2.2.4's own response decoders, driven with our encoded bodies. The decoder is instrumented so
// a test can also check that kafkajs consumed every byte we wrote (its decoders ignore trailing bytes,
// which would hide a field written at the wrong version).

import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

/* eslint-disable @typescript-eslint/no-explicit-any */
const Decoder = require("kafkajs/src/protocol/decoder.js") as { prototype: Record<string, unknown> };

let tracked: Buffer | null = null;
const topLevel = new Set<{ buffer: Buffer; offset: number }>();
for (const name of Object.getOwnPropertyNames(Decoder.prototype)) {
  const original = Decoder.prototype[name];
  if (name === "constructor" || typeof original !== "function") continue;
  Decoder.prototype[name] = function (this: { buffer: Buffer; offset: number }, ...args: unknown[]) {
    if (tracked !== null && this.buffer === tracked) topLevel.add(this);
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  };
}

export interface KafkajsDecoded {
  decoded: any;
  /** Bytes the top-level kafkajs decoder read. */
  consumed: number;
}

/** Runs kafkajs's `requests/<api>/v<version>/response.js` decode over a response body. */
export async function kafkajsDecode(api: string, version: number, body: Uint8Array): Promise<KafkajsDecoded> {
  const { decode } = require(`kafkajs/src/protocol/requests/${api}/v${version}/response.js`) as {
    decode: (b: Buffer) => Promise<any>;
  };
  const buffer = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  tracked = buffer;
  topLevel.clear();
  try {
    const decoded = await decode(buffer);
    const consumed = Math.max(0, ...[...topLevel].map((d) => d.offset));
    return { decoded, consumed };
  } finally {
    tracked = null;
  }
}

export const kafkajs = {
  RecordBatch: (require("kafkajs/src/protocol/recordBatch/v0/index.js") as { RecordBatch: (o: any) => Promise<{ buffer: Buffer }> }).RecordBatch,
  Record: require("kafkajs/src/protocol/recordBatch/record/v0/index.js") as (o: any) => unknown,
};

/** Buffers as plain byte arrays, and kafkajs's per-version throttle naming folded into `throttleTime`. */
export function normalize(value: any, top = true): any {
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return [...value];
  if (Array.isArray(value)) return value.map((v) => normalize(v, false));
  if (value !== null && typeof value === "object") {
    const out: any = {};
    for (const [k, v] of Object.entries(value)) out[k] = normalize(v, false);
    if (top && "clientSideThrottleTime" in out) {
      out.throttleTime = out.clientSideThrottleTime;
      delete out.clientSideThrottleTime;
    }
    return out;
  }
  return value;
}
