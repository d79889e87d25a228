// Shared UTF-8 codec instances (constructing them per call is measurably slow on hot paths).
export const utf8 = {
  encoder: new TextEncoder(),
  decoder: new TextDecoder("utf-8", { fatal: false }),
  encode(text: string): Uint8Array {
    return this.encoder.encode(text);
  },
  decode(bytes: Uint8Array): string {
    return this.decoder.decode(bytes);
  },
};
