// ApiVersions end to end: the registry-generated response at v0-3, request header v2 and response
// header v0 for the flexible v3, and the v0-format UNSUPPORTED_VERSION reply to a version above ours.

import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import {
  ApiKey,
  Writer,
  advertisedApis,
  apiVersionsResponse,
  concat,
  decodeRequestFrame,
  decodeResponseFrame,
  encodeRequestFrame,
  encodeResponseFrame,
  frameEncode,
  requestHeaderVersion,
  responseHeaderVersion,
  unsupportedApiVersionsResponse,
  writeRequestHeader,
} from "../../../src/protocol/kafka/index.js";
import { loadFrames, toHex } from "./fixtures.js";
import { kafkajsDecode, normalize } from "./kafkajs.js";

const tansu = loadFrames("tansu");
const javaV3 = tansu.find((f) => f.name === "api_versions_request_v3_000")!.bytes;

describe("ApiVersions responses v0-3 from the registry", () => {
  for (const v of [0, 1, 2, 3]) {
    it(`v${v} round-trips, with response header v0`, () => {
      const frame = concat(encodeResponseFrame(ApiKey.ApiVersions, v, 42, apiVersionsResponse()));
      const view = new DataView(frame.buffer, frame.byteOffset);
      expect(view.getInt32(4)).toBe(42);
      expect(view.getInt16(8)).toBe(0); // error code straight after the correlation id: no header tags
      const { response } = decodeResponseFrame(ApiKey.ApiVersions, v, frame.subarray(4));
      expect(response.apiKeys).toEqual(advertisedApis());
      expect(response.throttleTimeMs).toBe(0);
    });
  }

  for (const v of [0, 1, 2]) {
    it(`kafkajs reads our v${v} list`, async () => {
      const frame = concat(encodeResponseFrame(ApiKey.ApiVersions, v, 1, apiVersionsResponse()));
      const { decoded, consumed } = await kafkajsDecode("apiVersions", v, frame.subarray(8));
      expect(normalize(decoded).apiVersions).toEqual(advertisedApis());
      expect(consumed).toBe(frame.length - 8);
    });
  }

  it("v3 writes a compact array: count + 1 as one byte for our 17 APIs", () => {
    const frame = concat(encodeResponseFrame(ApiKey.ApiVersions, 3, 1, apiVersionsResponse()));
    expect(frame[10]).toBe(advertisedApis().length + 1);
    // 4 size + 4 correlation + 2 error + 1 count + 7 per entry + 4 throttle + 1 tags
    expect(frame.length).toBe(16 + 7 * advertisedApis().length);
  });
});

describe("ApiVersions v3 request (flexible) from the Java client", () => {
  it("uses request header v2 and compact strings, and re-encodes to the same bytes", () => {
    expect(requestHeaderVersion(ApiKey.ApiVersions, 3)).toBe(2);
    expect(responseHeaderVersion(ApiKey.ApiVersions, 3)).toBe(0);
    const d = decodeRequestFrame(javaV3.subarray(4));
    expect(d.header).toEqual({ apiKey: 18, apiVersion: 3, correlationId: 3, clientId: "console-producer" });
    expect(d.request).toEqual({ clientSoftwareName: "apache-kafka-java", clientSoftwareVersion: "3.6.1" });
    if (d.apiKey !== ApiKey.ApiVersions) throw new Error("not api versions");
    expect(toHex(concat(encodeRequestFrame(18, 3, 3, "console-producer", d.request)))).toBe(toHex(javaV3));
  });

  it("skips tags in the request header", () => {
    const w = new Writer();
    writeRequestHeader(w, 1, { apiKey: 18, apiVersion: 3, correlationId: 9, clientId: "c" });
    w.raw(Uint8Array.of(1, 7, 2, 0xaa, 0xbb)); // one unknown header tag
    w.compactString("n").compactString("v").emptyTaggedFields();
    const d = decodeRequestFrame(w.toBytes());
    expect(d.request).toEqual({ clientSoftwareName: "n", clientSoftwareVersion: "v" });
  });

  it("reads a real broker's v3 response with tagged features it does not know", () => {
    const broker = tansu.find((f) => f.name === "api_versions_response_v3_000")!.bytes;
    const { correlationId, response } = decodeResponseFrame(ApiKey.ApiVersions, 3, broker.subarray(4));
    expect(correlationId).toBe(0);
    expect(response.errorCode).toBe(0);
    expect(response.apiKeys).toHaveLength(55);
    expect(response.apiKeys.find((k) => k.apiKey === 18)).toEqual({ apiKey: 18, minVersion: 0, maxVersion: 3 });
    expect(response.throttleTimeMs).toBe(0);
  });
});

describe("ApiVersions above our maximum", () => {
  // A v5 request as a future client would send it: header v2 (with a tag), then a body we must not parse.
  const w = new Writer();
  writeRequestHeader(w, 2, { apiKey: 18, apiVersion: 5, correlationId: 5, clientId: "newer-client" });
  w.raw(Uint8Array.of(0xde, 0xad, 0xbe, 0xef, 0x00));
  const v4 = frameEncode(w.toBytes());

  it("decodes to an empty request without touching the body", () => {
    const d = decodeRequestFrame(v4.subarray(4));
    expect(d.apiKey).toBe(ApiKey.ApiVersions);
    expect(d.header).toEqual({ apiKey: 18, apiVersion: 5, correlationId: 5, clientId: "newer-client" });
  });

  it("is answered in the v0 format: UNSUPPORTED_VERSION plus our ranges, no throttle, header v0", () => {
    const reply = concat(encodeResponseFrame(ApiKey.ApiVersions, 5, 5, unsupportedApiVersionsResponse()));
    const n = advertisedApis().length;
    expect(reply.length).toBe(4 + 4 + 2 + 4 + 6 * n);
    const view = new DataView(reply.buffer, reply.byteOffset);
    expect([view.getInt32(4), view.getInt16(8), view.getInt32(10)]).toEqual([5, 35, n]);
    expect(advertisedApis().find((k) => k.apiKey === 18)).toEqual({ apiKey: 18, minVersion: 0, maxVersion: 4 });
  });

  it("a client that asked v3 reads the reply as v0 (as the Java client and librdkafka do)", () => {
    const reply = concat(encodeResponseFrame(ApiKey.ApiVersions, 5, 5, unsupportedApiVersionsResponse()));
    const { response } = decodeResponseFrame(ApiKey.ApiVersions, 3, reply.subarray(4));
    expect(response.errorCode).toBe(35);
    expect(response.apiKeys).toEqual(advertisedApis());
  });

  it("kafkajs's v0 decoder recognises it as UNSUPPORTED_VERSION", async () => {
    const require = createRequire(import.meta.url);
    const { KafkaJSProtocolError } = require("kafkajs/src/errors.js") as { KafkaJSProtocolError: new () => Error };
    const reply = concat(encodeResponseFrame(ApiKey.ApiVersions, 5, 5, unsupportedApiVersionsResponse()));
    const err = await kafkajsDecode("apiVersions", 0, reply.subarray(8)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KafkaJSProtocolError);
    expect((err as { type: string }).type).toBe("UNSUPPORTED_VERSION");
  });
});
