// Mirror of assembly/status.ts. A test reads the WASM module's exported STATUS_* globals and asserts this
// table matches it entry for entry, so the two cannot drift apart.

export const Status = {
  OK: 0,
  TRUNCATED: -1,
  BAD_LENGTH: -2,
  BAD_MAGIC: -3,
  BAD_CRC: -4,
  BAD_COUNT: -5,
  BAD_RECORD: -6,
  BAD_VARINT: -7,
  OUT_OF_SPACE: -8,
  UNSUPPORTED_COMPRESSION: -9,
  BAD_ARGUMENT: -10,
  OUT_OF_MEMORY: -11,
} as const;

export type StatusName = keyof typeof Status;

const messages: Record<number, string> = {
  [Status.TRUNCATED]: "input ends before a complete structure",
  [Status.BAD_LENGTH]: "batchLength disagrees with the bytes given",
  [Status.BAD_MAGIC]: "magic byte is not 2",
  [Status.BAD_CRC]: "CRC32C mismatch",
  [Status.BAD_COUNT]: "record count disagrees with lastOffsetDelta or offset deltas",
  [Status.BAD_RECORD]: "a record's length disagrees with its contents",
  [Status.BAD_VARINT]: "varint longer than its type allows",
  [Status.OUT_OF_SPACE]: "output region too small",
  [Status.UNSUPPORTED_COMPRESSION]: "unsupported compression for this operation",
  [Status.BAD_ARGUMENT]: "argument out of range",
  [Status.OUT_OF_MEMORY]: "WASM memory cannot grow",
};

export function statusName(status: number): string {
  for (const [name, value] of Object.entries(Status)) if (value === status) return name;
  return `UNKNOWN_STATUS_${status}`;
}

export function statusMessage(status: number): string {
  return messages[status] ?? `unknown status ${status}`;
}
