// rivulet/core: the WASM core's TypeScript face. Loads in Node (main thread and workers) and in browsers:
// nothing on this import path touches a Node-only module.

export { crc32c, Crc32c } from "./crc32c.js";
export {
  encodeVarints,
  decodeVarints,
  encodeVarlongs,
  decodeVarlongs,
  encodeUvarints,
  decodeUvarints,
  varintSize,
  varlongSize,
  uvarintSize,
} from "./varint.js";
export { murmur2, partitionForKey } from "./partitioner.js";
export {
  IndexBlock,
  offsetIndexLookup,
  timeIndexLookup,
  searchOffsetIndex,
  searchTimeIndex,
  OFFSET_INDEX_ENTRY_SIZE,
  TIME_INDEX_ENTRY_SIZE,
} from "./index-search.js";
export * from "./record-batch/index.js";
export { Status, statusName, statusMessage } from "./status.js";
export { coreModule } from "./instance.js";
export * from "../errors/index.js";
