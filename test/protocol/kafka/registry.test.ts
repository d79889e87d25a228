// The registry is the one list of what we speak: it must advertise each API's range, record its first
// flexible version (apache/kafka message JSON), agree with each codec's own range, and pick header
// flavours accordingly.

import { describe, expect, it } from "vitest";
import {
  ApiKey,
  UnsupportedVersionError,
  Writer,
  advertisedApis,
  decodeRequestFrame,
  isSupported,
  registrationFor,
  registrations,
  requestHeaderVersion,
  responseHeaderVersion,
  responseVersion,
  writeRequestHeader,
} from "../../../src/protocol/kafka/index.js";

// Every API up to the newest version in Kafka 4.1.0's message definitions (Produce/Fetch keep their
// RecordBatch-v2 floors; ListOffsets v0, OffsetCommit v0-1 and OffsetFetch v0 are not served).
const profile: Record<number, [number, number]> = {
  0: [0, 13], 1: [4, 18], 2: [1, 10], 3: [0, 13], 8: [2, 10], 9: [1, 10], 10: [0, 6], 11: [0, 9], 12: [0, 4],
  13: [0, 5], 14: [0, 5], 15: [0, 6], 16: [0, 5], 18: [0, 4], 19: [0, 7], 20: [0, 6], 22: [0, 6],
  // Security (issue 13): SASL and the ACL / SCRAM admin APIs, flexible versions included.
  17: [0, 1], 29: [0, 3], 30: [0, 3], 31: [0, 3], 36: [0, 2], 50: [0, 0], 51: [0, 0],
  // KIP-848 (issue 15).
  68: [0, 1], 69: [0, 1],
  // Transactions (issue 16): ListTransactions v2 is Kafka 4.1's (KIP-1152).
  66: [0, 2],
};
/** APIs whose codecs implement their flexible versions (the security ones), besides ApiVersions. */
const flexibleImplemented = new Set([18, 29, 30, 31, 36, 50, 51]);
// "flexibleVersions" of clients/src/main/resources/common/message/<Name>Request.json (apache/kafka).
const flexibleFrom: Record<number, number> = {
  0: 9, 1: 12, 2: 6, 3: 9, 8: 8, 9: 6, 10: 3, 11: 6, 12: 4, 13: 4, 14: 4, 15: 5, 16: 3, 18: 3, 19: 5, 20: 4, 22: 2,
  17: 99, 29: 2, 30: 2, 31: 2, 36: 2, 50: 0, 51: 0, // SaslHandshake is never flexible ("none")
};

describe("registry", () => {
  it("advertises the core APIs' ranges, ordered by key", () => {
    const core = advertisedApis().filter((a) => a.apiKey in profile);
    expect(core).toEqual(Object.entries(profile).map(([k, [min, max]]) => ({ apiKey: Number(k), minVersion: min, maxVersion: max })));
    const keys = advertisedApis().map((a) => a.apiKey);
    expect(keys).toEqual([...keys].sort((a, b) => a - b));
  });

  it("records each API's first flexible version", () => {
    for (const r of registrations) if (r.key in flexibleFrom) expect(r.flexibleFrom, r.name).toBe(flexibleFrom[r.key]);
  });

  it("agrees with every codec's declared range; only Produce advertises below what it decodes", () => {
    for (const r of registrations) {
      expect(r.codec.versions.key).toBe(r.key);
      expect([r.implementedFrom, r.maxVersion]).toEqual([r.codec.versions.min, r.codec.versions.max]);
      if (r.key !== ApiKey.Produce) expect(r.minVersion).toBe(r.implementedFrom);
    }
    expect(registrationFor(ApiKey.Produce)).toMatchObject({ minVersion: 0, implementedFrom: 3, maxVersion: 13 });
    expect(new Set(registrations.map((r) => r.key)).size).toBe(registrations.length);
  });

  it("isSupported follows the implemented ranges", () => {
    expect([0, 1, 2, 3, 7, 12, 13, 14].map((v) => isSupported(ApiKey.Produce, v))).toEqual([false, false, false, true, true, true, true, false]);
    expect([3, 4, 11, 12, 17, 18, 19].map((v) => isSupported(ApiKey.Fetch, v))).toEqual([false, true, true, true, true, true, false]);
    expect(isSupported(27, 0)).toBe(false); // WriteTxnMarkers: broker to broker, not offered
    expect([0, 3, 4].map((v) => isSupported(ApiKey.AddPartitionsToTxn, v))).toEqual([true, true, false]); // v4+: broker to broker
  });

  it("header flavours: v2/v1 exactly for flexible versions, and ApiVersions responses always v0", () => {
    expect(requestHeaderVersion(ApiKey.ApiVersions, 2)).toBe(1);
    expect(requestHeaderVersion(ApiKey.ApiVersions, 3)).toBe(2);
    expect(requestHeaderVersion(ApiKey.ApiVersions, 4)).toBe(2);
    for (const r of registrations) {
      for (let v = r.minVersion; v <= r.maxVersion; v++) {
        const flexible = v >= r.flexibleFrom;
        expect(requestHeaderVersion(r.key, v), `${r.name} v${v}`).toBe(flexible ? 2 : 1);
        expect(responseHeaderVersion(r.key, v), `${r.name} v${v}`).toBe(flexible && r.key !== ApiKey.ApiVersions ? 1 : 0);
      }
    }
    expect(responseHeaderVersion(ApiKey.Fetch, 12)).toBe(1);
    expect(responseHeaderVersion(ApiKey.ApiVersions, 4)).toBe(0);
    expect(responseVersion(ApiKey.ApiVersions, 5)).toBe(0);
    expect(responseVersion(ApiKey.ApiVersions, 4)).toBe(4);
  });
});

describe("decodeRequestFrame refuses what the registry does not offer", () => {
  const frame = (apiKey: number, apiVersion: number, body: number[] = []) => {
    const w = new Writer();
    writeRequestHeader(w, 1, { apiKey, apiVersion, correlationId: 1, clientId: null });
    return Uint8Array.from([...w.toBytes(), ...body]);
  };

  it("unknown keys and versions outside the range are UnsupportedVersionError", () => {
    for (const [k, v] of [[17, 2], [36, 3], [24, 4], [27, 0], [1, 3], [1, 19], [0, 14], [3, 14], [2, 0], [22, 7], [69, 2], [66, 3]] as const) {
      const err = (() => {
        try {
          decodeRequestFrame(frame(k, v, new Array(64).fill(0)));
        } catch (e) {
          return e;
        }
      })();
      expect(err, `${k} v${v}`).toBeInstanceOf(UnsupportedVersionError);
      expect((err as UnsupportedVersionError).kafkaCode).toBe(35);
      expect((err as UnsupportedVersionError).apiKey).toBe(k);
    }
  });
});
