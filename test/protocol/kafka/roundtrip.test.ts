// Every codec's mirror pairs at every version it implements: encode → decode → encode is byte-stable
// for requests and responses, and at each API's maximum version (all fields on the wire) decoding gives
// back exactly what was encoded. Whole frames round-trip through the frame helpers too.

import { describe, expect, it } from "vitest";
import {
  Reader,
  Writer,
  concat,
  decodeRequestFrame,
  decodeResponseFrame,
  encodeRequestFrame,
  encodeResponseFrame,
  registrations,
  type ApiRegistration,
} from "../../../src/protocol/kafka/index.js";
import { toHex } from "./fixtures.js";
import { latestSamples, samples } from "./samples.js";

/* eslint-disable @typescript-eslint/no-explicit-any */
const encode = (fn: (w: Writer) => void) => {
  const w = new Writer();
  fn(w);
  return w.toBytes();
};

function versionsOf(reg: ApiRegistration): number[] {
  return Array.from({ length: reg.maxVersion - reg.implementedFrom + 1 }, (_, i) => reg.implementedFrom + i);
}

describe("codec mirror pairs", () => {
  for (const reg of registrations) {
    const codec = reg.codec as any;
    const sample = samples[reg.key];
    for (const v of versionsOf(reg)) {
      it(`${reg.name} v${v} request and response are byte-stable`, () => {
        const req = encode((w) => codec.encodeRequest(w, v, sample.request));
        const reqR = new Reader(req);
        const decodedReq = codec.decodeRequest(reqR, v);
        expect(reqR.remaining).toBe(0);
        expect(toHex(encode((w) => codec.encodeRequest(w, v, decodedReq)))).toBe(toHex(req));

        const res = encode((w) => codec.encodeResponse(w, v, sample.response));
        const resR = new Reader(res);
        const decodedRes = codec.decodeResponse(resR, v);
        expect(resR.remaining).toBe(0);
        expect(toHex(encode((w) => codec.encodeResponse(w, v, decodedRes)))).toBe(toHex(res));
      });
    }
    // Decoding fills every field the version lacks with its default, so the sample (which sets the fields
    // of the newest version to non-default values) must be contained in what comes back.
    it(`${reg.name} v${reg.maxVersion} decodes to the sample`, () => {
      const v = reg.maxVersion;
      const sample = (latestSamples[reg.key] ?? samples[reg.key]) as any;
      const req = encode((w) => codec.encodeRequest(w, v, sample.request));
      expect(codec.decodeRequest(new Reader(req), v)).toMatchObject(sample.request);
      const res = encode((w) => codec.encodeResponse(w, v, sample.response));
      expect(codec.decodeResponse(new Reader(res), v)).toMatchObject(sample.response);
    });
  }
});

describe("frames", () => {
  for (const reg of registrations) {
    const v = reg.maxVersion;
    it(`${reg.name} v${v} request and response frames round-trip`, () => {
      const sample = (latestSamples[reg.key] ?? samples[reg.key]) as any;
      const req = concat(encodeRequestFrame(reg.key, v, 77, "client-1", sample.request));
      const decoded = decodeRequestFrame(req.subarray(4));
      expect(decoded.header).toEqual({ apiKey: reg.key, apiVersion: v, correlationId: 77, clientId: "client-1" });
      expect(decoded.request).toMatchObject(sample.request);

      const res = concat(encodeResponseFrame(reg.key, v, 77, sample.response));
      expect(new DataView(res.buffer, res.byteOffset).getInt32(0)).toBe(res.length - 4);
      const back = decodeResponseFrame(reg.key, v, res.subarray(4));
      expect(back).toMatchObject({ correlationId: 77, response: sample.response });
    });
  }
});

describe("defaults for fields a version lacks", () => {
  it("responses written without optional fields carry Kafka's defaults", () => {
    const produce = registrations.find((r) => r.key === 0)!.codec as any;
    const b = encode((w) => produce.encodeResponse(w, 7, { responses: [{ name: "t", partitionResponses: [{ index: 0, errorCode: 0, baseOffset: 5n }] }] }));
    expect(produce.decodeResponse(new Reader(b), 7)).toEqual({
      responses: [{ name: "t", topicId: new Uint8Array(16), partitionResponses: [{ index: 0, errorCode: 0, baseOffset: 5n, logAppendTimeMs: -1n, logStartOffset: -1n, recordErrors: [], errorMessage: null }] }],
      throttleTimeMs: 0,
      nodeEndpoints: [],
    });
    const metadata = registrations.find((r) => r.key === 3)!.codec as any;
    const m = encode((w) => metadata.encodeResponse(w, 6, { brokers: [{ nodeId: 1, host: "h", port: 1 }], topics: [] }));
    expect(metadata.decodeResponse(new Reader(m), 6)).toEqual({
      throttleTimeMs: 0,
      brokers: [{ nodeId: 1, host: "h", port: 1, rack: null }],
      clusterId: null,
      controllerId: -1,
      topics: [],
      clusterAuthorizedOperations: -2147483648,
      errorCode: 0,
    });
  });
});
