// The registry is the one list of what we speak: it must match the non-flexible profile of
// kafka-protocol.md §2.4, stay below every API's first flexible version (apache/kafka message JSON)
// except ApiVersions, agree with each codec's own range, and pick header flavours accordingly.

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

// kafka-protocol.md §2.4 "Recommended ApiVersions advertisement", with the optional admin APIs at 0-4 / 0-2.
const profile: Record<number, [number, number]> = {
  0: [0, 7], 1: [4, 11], 2: [1, 3], 3: [0, 6], 8: [2, 7], 9: [1, 5], 10: [0, 2], 11: [0, 5], 12: [0, 3],
  13: [0, 3], 14: [0, 3], 15: [0, 4], 16: [0, 2], 18: [0, 3], 19: [0, 4], 20: [0, 3], 22: [0, 1],
  // Security (issue 13): SASL and the ACL / SCRAM admin APIs, flexible versions included.
  17: [0, 1], 29: [0, 3], 30: [0, 3], 31: [0, 3], 36: [0, 2], 50: [0, 0], 51: [0, 0],
};
/** APIs whose codecs implement their flexible versions (the security ones), besides ApiVersions. */
const flexibleImplemented = new Set([18, 29, 30, 31, 36, 50, 51]);
// "flexibleVersions" of clients/src/main/resources/common/message/<Name>Request.json (apache/kafka).
const flexibleFrom: Record<number, number> = {
  0: 9, 1: 12, 2: 6, 3: 9, 8: 8, 9: 6, 10: 3, 11: 6, 12: 4, 13: 4, 14: 4, 15: 5, 16: 3, 18: 3, 19: 5, 20: 4, 22: 2,
  17: 99, 29: 2, 30: 2, 31: 2, 36: 2, 50: 0, 51: 0, // SaslHandshake is never flexible ("none")
};

describe("registry", () => {
  it("advertises exactly the non-flexible profile, ordered by key", () => {
    expect(advertisedApis()).toEqual(Object.entries(profile).map(([k, [min, max]]) => ({ apiKey: Number(k), minVersion: min, maxVersion: max })));
  });

  it("records each API's first flexible version, and stays below it except for ApiVersions", () => {
    for (const r of registrations) {
      expect(r.flexibleFrom, r.name).toBe(flexibleFrom[r.key]);
      if (!flexibleImplemented.has(r.key)) expect(r.maxVersion, r.name).toBeLessThan(r.flexibleFrom);
    }
  });

  it("agrees with every codec's declared range; only Produce advertises below what it decodes", () => {
    for (const r of registrations) {
      expect(r.codec.versions.key).toBe(r.key);
      expect([r.implementedFrom, r.maxVersion]).toEqual([r.codec.versions.min, r.codec.versions.max]);
      if (r.key !== ApiKey.Produce) expect(r.minVersion).toBe(r.implementedFrom);
    }
    expect(registrationFor(ApiKey.Produce)).toMatchObject({ minVersion: 0, implementedFrom: 3, maxVersion: 7 });
    expect(new Set(registrations.map((r) => r.key)).size).toBe(registrations.length);
  });

  it("isSupported follows the implemented ranges", () => {
    expect([0, 1, 2, 3, 7, 8].map((v) => isSupported(ApiKey.Produce, v))).toEqual([false, false, false, true, true, false]);
    expect([3, 4, 11, 12].map((v) => isSupported(ApiKey.Fetch, v))).toEqual([false, true, true, false]);
    expect(isSupported(24, 0)).toBe(false); // AddPartitionsToTxn: not offered
  });

  it("header flavours: v2/v1 only for flexible versions, and ApiVersions responses always v0", () => {
    expect(requestHeaderVersion(ApiKey.ApiVersions, 2)).toBe(1);
    expect(requestHeaderVersion(ApiKey.ApiVersions, 3)).toBe(2);
    expect(requestHeaderVersion(ApiKey.ApiVersions, 4)).toBe(2);
    for (const r of registrations) {
      for (let v = r.minVersion; v <= r.maxVersion; v++) {
        if (r.key !== ApiKey.ApiVersions) expect(requestHeaderVersion(r.key, v)).toBe(v >= r.flexibleFrom ? 2 : 1);
        expect(responseHeaderVersion(r.key, v)).toBe(r.key !== ApiKey.ApiVersions && v >= r.flexibleFrom ? 1 : 0);
      }
    }
    expect(responseHeaderVersion(ApiKey.Fetch, 12)).toBe(1); // would be, were it offered
    expect(responseHeaderVersion(ApiKey.ApiVersions, 4)).toBe(0);
    expect(responseVersion(ApiKey.ApiVersions, 4)).toBe(0);
    expect(responseVersion(ApiKey.ApiVersions, 3)).toBe(3);
  });
});

describe("decodeRequestFrame refuses what the registry does not offer", () => {
  const frame = (apiKey: number, apiVersion: number, body: number[] = []) => {
    const w = new Writer();
    writeRequestHeader(w, 1, { apiKey, apiVersion, correlationId: 1, clientId: null });
    return Uint8Array.from([...w.toBytes(), ...body]);
  };

  it("unknown keys and versions outside the range are UnsupportedVersionError", () => {
    for (const [k, v] of [[17, 2], [36, 3], [24, 0], [1, 3], [1, 12], [3, 7], [2, 0], [22, 2]] as const) {
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
