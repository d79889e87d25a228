// Where a reader starts (or a group's offsets are reset to): the one vocabulary shared by the client API,
// the CLI, the broker core and the group coordinator. The WebSocket wire form of it is StartPosition
// (protocol/ws/start-position.ts); Kafka's ListOffsets form is an OffsetSpec (offset-spec.ts).

export type StartFrom = "earliest" | "latest" | { offset: bigint } | { timestamp: number };

export function isOffsetStart(from: StartFrom): from is { offset: bigint } {
  return typeof from === "object" && "offset" in from;
}
