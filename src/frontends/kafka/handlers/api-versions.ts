// ApiVersions (key 18).
//
// Behavior:
// - The ranges come from the codec registry (src/protocol/kafka/registry.ts), so what we advertise is what
//   we decode. Produce is advertised from v0 but handled from v3 (librdkafka's compression gate).
// - A version newer than ours (v4+ from newer Java clients or franz-go) gets UNSUPPORTED_VERSION with our
//   ranges, written in the v0 format (the codec picks the format), never a closed connection: librdkafka
//   drops to v0 on it, and a closed connection during ApiVersions makes it fall back to ancient versions.

import { apiVersionsResponse, unsupportedApiVersionsResponse, registrationFor, ApiKey } from "../../../protocol/kafka/index.js";
import type { Handler } from "./context.js";

export const handleApiVersions: Handler<typeof ApiKey.ApiVersions> = (_ctx, _request, info) =>
  info.header.apiVersion > registrationFor(ApiKey.ApiVersions).maxVersion ? unsupportedApiVersionsResponse() : apiVersionsResponse();
