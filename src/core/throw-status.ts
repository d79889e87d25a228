// The one place a negative core status becomes a typed error.

import { CoreError, CorruptRecordError, InvalidArgumentError } from "../errors/index.js";
import { Status, statusMessage, statusName } from "./status.js";

export function errorForStatus(status: number, context: string): Error {
  const name = statusName(status);
  const message = `${context}: ${statusMessage(status)} (${name})`;
  switch (status) {
    case Status.OUT_OF_MEMORY:
      return new CoreError(message);
    case Status.BAD_ARGUMENT:
    case Status.OUT_OF_SPACE:
      return new InvalidArgumentError(message);
    default:
      return new CorruptRecordError(name, message);
  }
}

export function throwForStatus(status: number, context: string): never {
  throw errorForStatus(status, context);
}
