// Whole messages: header + body through the registry. The broker side decodes request frames (as the
// frame decoder yields them, size prefix removed) and encodes response frames (size prefix included,
// as parts for a vectored write); the client side does the mirror image.
//
// Connection-fatal outcomes, as in Kafka: an unknown API key or an unsupported version throws
// UnsupportedVersionError, a malformed body throws KafkaDecodeError. The one exception is ApiVersions
// above our maximum, which decodes to an empty request so the handler can reply in the v0 format.
// Bytes after a decoded body are ignored, as Kafka ignores them.

import { UnsupportedVersionError } from "./errors.js";
import {
  readRequestHeader,
  readResponseHeader,
  writeRequestHeader,
  writeResponseHeader,
  type RequestHeader,
} from "./header.js";
import { Reader } from "./reader.js";
import {
  ApiKey,
  registrationFor,
  requestHeaderVersion,
  responseHeaderVersion,
  responseVersion,
  type ApiKeyValue,
  type ApiRegistration,
  type RequestOf,
  type ResponseOf,
} from "./registry.js";
import { Writer, type WriterOptions } from "./writer.js";
import { KafkaErrors } from "../../errors/kafka-codes.js";

/** A decoded request, discriminated by `apiKey` so a switch narrows `request` to its type. */
export type DecodedRequest = {
  [K in ApiKeyValue]: { apiKey: K; header: RequestHeader; request: RequestOf<K> };
}[ApiKeyValue];

function lookup(apiKey: number, apiVersion: number): ApiRegistration {
  const reg = registrationFor(apiKey);
  if (!reg) throw new UnsupportedVersionError(apiKey, apiVersion, `unknown API key ${apiKey}`);
  return reg;
}

/** Reads only the header of a request frame; `reader` is left at the start of the body. */
export function decodeRequestHeader(frame: Uint8Array): { header: RequestHeader; reader: Reader } {
  const reader = new Reader(frame);
  return { header: readRequestHeader(reader, requestHeaderVersion), reader };
}

export function decodeRequestFrame(frame: Uint8Array): DecodedRequest {
  const { header, reader } = decodeRequestHeader(frame);
  const reg = lookup(header.apiKey, header.apiVersion);
  if (header.apiKey === ApiKey.ApiVersions && header.apiVersion > reg.maxVersion) {
    // Not parsed, as in Kafka: a newer body may hold anything. See registry.unsupportedApiVersionsResponse.
    return { apiKey: ApiKey.ApiVersions, header, request: { clientSoftwareName: "", clientSoftwareVersion: "" } };
  }
  const request = reg.codec.decodeRequest(reader, header.apiVersion);
  return { apiKey: reg.key, header, request } as DecodedRequest;
}

/** The response frame (size prefix, header, body) as parts; record chunks in Fetch are not copied. */
export function encodeResponseFrame<K extends ApiKeyValue>(
  apiKey: K,
  apiVersion: number,
  correlationId: number,
  response: ResponseOf<K>,
  options?: WriterOptions,
): Uint8Array[] {
  const reg = lookup(apiKey, apiVersion) as ApiRegistration<K>;
  const version = responseVersion(apiKey, apiVersion);
  const w = new Writer(options);
  const sizeAt = w.placeholderInt32();
  writeResponseHeader(w, responseHeaderVersion(apiKey, version), correlationId);
  reg.codec.encodeResponse(w, version, response);
  w.patchInt32(sizeAt, w.length - 4);
  return w.finish();
}

/** The request frame (size prefix, header, body) as parts. */
export function encodeRequestFrame<K extends ApiKeyValue>(
  apiKey: K,
  apiVersion: number,
  correlationId: number,
  clientId: string | null,
  request: RequestOf<K>,
  options?: WriterOptions,
): Uint8Array[] {
  const reg = lookup(apiKey, apiVersion) as ApiRegistration<K>;
  const w = new Writer(options);
  const sizeAt = w.placeholderInt32();
  writeRequestHeader(w, requestHeaderVersion(apiKey, apiVersion), { apiKey, apiVersion, correlationId, clientId });
  reg.codec.encodeRequest(w, apiVersion, request);
  w.patchInt32(sizeAt, w.length - 4);
  return w.finish();
}

/**
 * Decodes a response frame (size prefix removed) to a request we sent at `apiVersion`. An ApiVersions
 * reply carrying UNSUPPORTED_VERSION is read in the v0 format, whatever version we asked for.
 */
export function decodeResponseFrame<K extends ApiKeyValue>(
  apiKey: K,
  apiVersion: number,
  frame: Uint8Array,
): { correlationId: number; response: ResponseOf<K> } {
  const reg = lookup(apiKey, apiVersion) as ApiRegistration<K>;
  const r = new Reader(frame);
  const { correlationId } = readResponseHeader(r, responseHeaderVersion(apiKey, apiVersion));
  let version = apiVersion;
  if (apiKey === ApiKey.ApiVersions && r.remaining >= 2) {
    const errorCode = (frame[r.offset]! << 8) | frame[r.offset + 1]!;
    if (errorCode === KafkaErrors.UNSUPPORTED_VERSION.code) version = 0;
  }
  return { correlationId, response: reg.codec.decodeResponse(r, version) };
}
