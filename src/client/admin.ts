// Topic administration and offset queries over the WebSocket protocol.

import { FrameType, type PartitionRange, type ServerFrame } from "../protocol/ws/index.js";
import type { Connection } from "./connection.js";
import { errorFromCode } from "./errors.js";

export interface TopicMetadata {
  name: string;
  partitions: PartitionRange[];
}

export interface TopicInfo extends TopicMetadata {
  id: string;
  configs: { name: string; value: string; isDefault: boolean }[];
}

export type OffsetQuery = "earliest" | "latest" | "max-timestamp" | { timestamp: number };

function expect<T extends ServerFrame["type"]>(frame: ServerFrame, type: T): Extract<ServerFrame, { type: T }> {
  if (frame.type !== type) throw new Error(`unexpected response frame 0x${frame.type.toString(16)}`);
  return frame as Extract<ServerFrame, { type: T }>;
}

export class Admin {
  constructor(private readonly connection: Connection) {}

  async createTopic(name: string, options: { partitions?: number; configs?: Record<string, string> } = {}): Promise<void> {
    await this.connection.request({ type: FrameType.CREATE_TOPIC, name, partitions: options.partitions ?? 1, configs: options.configs ?? {} });
  }

  async deleteTopic(name: string): Promise<void> {
    await this.connection.request({ type: FrameType.DELETE_TOPIC, name });
  }

  /** Every topic (or the named ones) with its partitions' offset ranges. Unknown names throw. */
  async metadata(topics: string[] = []): Promise<TopicMetadata[]> {
    const frame = expect(await this.connection.request({ type: FrameType.METADATA, topics }), FrameType.METADATA_RESULT);
    return frame.topics.map((t) => {
      if (t.errorCode !== 0) throw errorFromCode(t.errorCode, "", `topic ${t.name}`);
      return { name: t.name, partitions: t.partitions };
    });
  }

  async listTopics(): Promise<string[]> {
    return (await this.metadata()).map((t) => t.name);
  }

  async describeTopic(name: string): Promise<TopicInfo> {
    const frame = expect(await this.connection.request({ type: FrameType.DESCRIBE_TOPIC, name }), FrameType.TOPIC_DESCRIPTION);
    return { name: frame.name, id: frame.id, partitions: frame.partitions, configs: frame.configs };
  }

  /** Offsets by position or timestamp; offset -1 when no record has a timestamp at or after the one asked. */
  async listOffsets(topic: string, partition: number, query: OffsetQuery): Promise<{ offset: bigint; timestamp: bigint }> {
    const timestamp = query === "latest" ? -1n : query === "earliest" ? -2n : query === "max-timestamp" ? -3n : BigInt(Math.trunc(query.timestamp));
    const frame = expect(await this.connection.request({ type: FrameType.LIST_OFFSETS, items: [{ topic, partition, timestamp }] }), FrameType.OFFSETS_RESULT);
    const item = frame.items[0]!;
    if (item.errorCode !== 0) throw errorFromCode(item.errorCode, "", `${topic}-${partition}`);
    return { offset: item.offset, timestamp: item.timestamp };
  }

  /** Partition count of a topic (used by the producer's partitioner). */
  async partitionCount(topic: string): Promise<number> {
    const [meta] = await this.metadata([topic]);
    return meta!.partitions.length;
  }
}
