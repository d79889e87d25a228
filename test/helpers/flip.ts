// Corrupts a byte in place by XOR-ing it with a mask: the fault the corruption tests inject.
// Bounds-checked, so a test that aims outside its buffer fails loudly instead of silently doing nothing.
export function flip(bytes: Uint8Array, index: number, mask: number): void {
  if (index < 0 || index >= bytes.length) throw new RangeError(`flip: index ${index} outside 0..${bytes.length - 1}`);
  bytes[index] = (bytes[index] ?? 0) ^ mask;
}
