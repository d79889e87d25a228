// The browser entry served at /client/index.js: the same client, nothing Node-specific on its import path.
export * from "./index.js";
export { crc32c, encodeRecordBatch, decodeRecordBatch, partitionForKey } from "../core/index.js";
