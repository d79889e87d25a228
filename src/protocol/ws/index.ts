// Rivulet's WebSocket protocol: sans-IO frame codecs shared by the server and the isomorphic client.
export * from "./frames.js";
export { encodeClientFrame, decodeClientFrame } from "./client-frames.js";
export { encodeServerFrame, decodeServerFrame, encodeChunk } from "./server-frames.js";
export { startPosition, type StartFrom } from "./start-position.js";
export { WsProtocolError, FrameReader, FrameWriter } from "./bytes.js";
export { produceFrameTopic, produceFrameHeadSize, writeProduceFrameHead } from "./produce-frame.js";
