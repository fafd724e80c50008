import type { EncryptedChunk } from "../fhe/encrypt";

/**
 * Hands out chunk encryptions in `order`, starting later chunks early while inputs beyond the
 * current chunk number fewer than `capacity` (twice a pool's threads: every thread has its next
 * input while the main thread submits; 0 on the caller's thread). An encryption started but never
 * taken (a submission failed first) does not raise an unhandled rejection.
 */
export function encryptAhead(
  capacity: number,
  order: readonly number[],
  inputsIn: (chunk: number) => number,
  encrypt: (chunk: number) => Promise<EncryptedChunk>,
): (chunk: number) => Promise<EncryptedChunk> {
  const started = new Map<number, Promise<EncryptedChunk>>();
  let next = 0;
  let queuedInputs = 0;
  const start = () => {
    const chunk = order[next++];
    const result = encrypt(chunk);
    result.catch(() => undefined);
    started.set(chunk, result);
    queuedInputs += inputsIn(chunk);
  };
  return (chunk) => {
    if (!started.has(chunk)) start();
    while (next < order.length && queuedInputs - inputsIn(chunk) < capacity) start();
    const result = started.get(chunk)!;
    started.delete(chunk);
    queuedInputs -= inputsIn(chunk);
    return result;
  };
}
