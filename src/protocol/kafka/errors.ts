// Errors the Kafka codec throws. Both are connection-fatal for a broker: Kafka closes the connection on a
// request it cannot parse (InvalidRequestException) and on an unsupported API version, and so does the
// listener. Per-partition problems are never thrown here; they travel as error codes inside responses.

import { RivuletError, type RivuletErrorOptions } from "../../errors/index.js";

/** Why a decode failed, for logs and tests. */
export type DecodeFailure =
  | "TRUNCATED" // a field runs past the end of the frame
  | "INVALID_LENGTH" // a length or count below -1, or -1 where null is not allowed
  | "VARINT_TOO_LONG" // a varint with more continuation bytes than its type allows
  | "FRAME_TOO_LARGE" // a size prefix above the configured maximum
  | "NEGATIVE_FRAME_SIZE"; // a size prefix below zero

/**
 * Bytes that do not form a valid Kafka message. The code is INVALID_REQUEST, the Kafka error a broker
 * reports for a malformed request; `reason` and `offset` (byte position in the input, -1 when not
 * meaningful) say what and where.
 */
export class KafkaDecodeError extends RivuletError {
  readonly reason: DecodeFailure;
  readonly offset: number;
  constructor(reason: DecodeFailure, message: string, offset = -1, options?: RivuletErrorOptions) {
    super("INVALID_REQUEST", message, options);
    this.reason = reason;
    this.offset = offset;
  }
}

/** An API version outside what a codec implements (or an API key we do not know). Kafka code 35. */
export class UnsupportedVersionError extends RivuletError {
  readonly apiKey: number;
  readonly apiVersion: number;
  constructor(apiKey: number, apiVersion: number, message: string) {
    super("UNSUPPORTED_VERSION", message);
    this.apiKey = apiKey;
    this.apiVersion = apiVersion;
  }
}

/** An API's implemented version range, as each codec module declares it. */
export interface VersionRange {
  readonly key: number;
  readonly name: string;
  /** Lowest version this codec reads and writes. */
  readonly min: number;
  /** Highest version this codec reads and writes. */
  readonly max: number;
  /** First flexible version in Kafka's message definition (may lie above `max`). */
  readonly flexibleFrom: number;
}

export function checkVersion(range: VersionRange, version: number): void {
  if (!Number.isInteger(version) || version < range.min || version > range.max) {
    throw new UnsupportedVersionError(
      range.key,
      version,
      `${range.name} v${version} is not supported (this codec handles v${range.min}-v${range.max})`,
    );
  }
}
