// Topic configs by their Kafka names (CreateTopics, AlterConfigs, the CLI's --config): each maps to a log
// setting or is refused with a clear error; min.insync.replicas is checked but is not a log setting.
import { describe, expect, it } from "vitest";
import { InvalidArgumentError } from "../../src/errors/index.js";
import { parseKafkaConfigs } from "../../src/storage/log-config.js";

describe("parseKafkaConfigs", () => {
  it("maps Kafka names to log settings", () => {
    expect(parseKafkaConfigs({ "retention.ms": "3600000", "segment.bytes": "1048576" })).toMatchObject({ retentionMs: 3_600_000, segmentBytes: 1_048_576 });
  });

  it("accepts min.insync.replicas (an integer >= 1) without making it a log setting", () => {
    expect(parseKafkaConfigs({ "min.insync.replicas": "2" })).toEqual({});
    for (const bad of ["0", "-1", "two", "1.5", ""]) expect(() => parseKafkaConfigs({ "min.insync.replicas": bad }), bad).toThrow(InvalidArgumentError);
  });

  it("refuses names it does not know", () => {
    expect(() => parseKafkaConfigs({ "no.such.config": "1" })).toThrow(/unknown topic config no.such.config/);
  });
});
