// Samples (every field non-default) for the security APIs, merged into test/protocol/kafka/samples.ts so
// the shared round-trip, fuzz and spec-bytes tests cover them too.

import type { ApiKeyValue, RequestOf, ResponseOf } from "../../src/protocol/kafka/index.js";

type Sample<K extends ApiKeyValue> = { request: RequestOf<K>; response: ResponseOf<K> };
const text = (s: string) => new TextEncoder().encode(s);

export const securitySamples: { [K in 17 | 29 | 30 | 31 | 36 | 50 | 51]: Sample<K> } = {
  17: { request: { mechanism: "SCRAM-SHA-256" }, response: { errorCode: 33, mechanisms: ["PLAIN", "SCRAM-SHA-512"] } },
  29: {
    request: { resourceTypeFilter: 2, resourceNameFilter: "orders-", patternTypeFilter: 4, principalFilter: "User:alice", hostFilter: "10.0.0.1", operation: 3, permissionType: 3 },
    response: {
      throttleTimeMs: 7,
      errorCode: 0,
      errorMessage: "fine-ü",
      resources: [{ resourceType: 2, resourceName: "orders-", patternType: 4, acls: [{ principal: "User:alice", host: "*", operation: 3, permissionType: 3 }] }],
    },
  },
  30: {
    request: { creations: [{ resourceType: 3, resourceName: "g1", resourcePatternType: 4, principal: "User:bob", host: "*", operation: 8, permissionType: 2 }] },
    response: { throttleTimeMs: 3, results: [{ errorCode: 42, errorMessage: "bad" }, { errorCode: 0, errorMessage: null }] },
  },
  31: {
    request: { filters: [{ resourceTypeFilter: 1, resourceNameFilter: null, patternTypeFilter: 2, principalFilter: null, hostFilter: "*", operation: 1, permissionType: 1 }] },
    response: {
      throttleTimeMs: 9,
      filterResults: [
        {
          errorCode: 0,
          errorMessage: null,
          matchingAcls: [{ errorCode: 0, errorMessage: "m", resourceType: 2, resourceName: "t", patternType: 3, principal: "User:x", host: "h", operation: 4, permissionType: 3 }],
        },
      ],
    },
  },
  36: {
    request: { authBytes: text("n,,n=user,r=abc") },
    response: { errorCode: 58, errorMessage: "nope", authBytes: text("r=abcdef,s=c2FsdA==,i=4096"), sessionLifetimeMs: 3600000n },
  },
  50: {
    request: { users: ["alice", "bob"] },
    response: {
      throttleTimeMs: 1,
      errorCode: 0,
      errorMessage: null,
      results: [{ user: "alice", errorCode: 0, errorMessage: null, credentialInfos: [{ mechanism: 1, iterations: 8192 }] }, { user: "zed", errorCode: 91, errorMessage: "unknown", credentialInfos: [] }],
    },
  },
  51: {
    request: { deletions: [{ name: "old", mechanism: 2 }], upsertions: [{ name: "alice", mechanism: 1, iterations: 4096, salt: text("salt"), saltedPassword: text("0123456789abcdef0123456789abcdef") }] },
    response: { throttleTimeMs: 2, results: [{ user: "alice", errorCode: 0, errorMessage: null }] },
  },
};
