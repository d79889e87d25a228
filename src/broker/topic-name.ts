// Topic names, validated as Kafka validates them (Topic.validate): 1-249 characters of [a-zA-Z0-9._-],
// not "." or "..". Because metric names replace '.' with '_', Kafka refuses a topic whose name collides
// with an existing one under that substitution, and warns about names using either character.

import { KafkaProtocolError } from "../errors/index.js";

export const MAX_TOPIC_NAME_LENGTH = 249;
const LEGAL = /^[a-zA-Z0-9._-]+$/;

export class InvalidTopicError extends KafkaProtocolError {
  constructor(message: string) {
    super("INVALID_TOPIC_EXCEPTION", message);
  }
}

export function validateTopicName(name: string): void {
  if (typeof name !== "string" || name.length === 0) throw new InvalidTopicError("topic name is empty");
  if (name === "." || name === "..") throw new InvalidTopicError(`topic name cannot be "${name}"`);
  if (name.length > MAX_TOPIC_NAME_LENGTH) {
    throw new InvalidTopicError(`topic name is ${name.length} characters; the limit is ${MAX_TOPIC_NAME_LENGTH}`);
  }
  if (!LEGAL.test(name)) {
    throw new InvalidTopicError(`topic name "${name}" has characters other than ASCII letters, digits, '.', '_' and '-'`);
  }
}

/** The name with '.' folded to '_': two topics with the same folded name collide. */
export function collisionKey(name: string): string {
  return name.replace(/\./g, "_");
}

export function hasCollisionRisk(name: string): boolean {
  return name.includes(".") || name.includes("_");
}

/** Internal topics (Kafka's `__consumer_offsets`, ...) start with a double underscore. */
export function isInternalTopic(name: string): boolean {
  return name.startsWith("__");
}
