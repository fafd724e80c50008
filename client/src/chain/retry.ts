/** Errors that mean "the node is not reachable right now", as opposed to a revert or bad input. */
export function isConnectionError(error: unknown): boolean {
  const text = `${(error as { code?: string })?.code ?? ""} ${(error as Error)?.message ?? String(error)}`;
  return /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN|ENOTFOUND|fetch failed|socket hang up|SERVER_ERROR|TIMEOUT/i.test(
    text,
  );
}

/**
 * The fhEVM Hardhat plugin's node sometimes processes a block's coprocessor events for two
 * concurrent requests and fails the second with "Parse event ... in backward order" although the
 * first one succeeded: the request is safe to repeat (our submissions are idempotent).
 */
function isMockNodeRace(error: unknown): boolean {
  const e = error as { message?: string; error?: { message?: string } };
  return /in backward order/.test(`${e?.message ?? ""} ${e?.error?.message ?? ""}`);
}

const isTransient = (error: unknown) => isConnectionError(error) || isMockNodeRace(error);

/**
 * Runs `fn`, retrying connection errors with exponential backoff; after the last attempt the error
 * says which endpoint failed and what to check. Reverts and other errors are not retried.
 */
export async function withRetry<T>(
  label: string,
  fn: () => Promise<T>,
  options: { attempts?: number; delayMs?: number; onRetry?: (attempt: number, error: unknown) => void } = {},
): Promise<T> {
  const attempts = options.attempts ?? 5;
  let delay = options.delayMs ?? 500;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (!isTransient(error)) throw error;
      if (attempt >= attempts && isMockNodeRace(error)) throw error;
      if (attempt >= attempts) {
        throw new Error(
          `${label}: the RPC endpoint is unreachable after ${attempts} attempts ` +
            `(${(error as Error).message.split("\n")[0]}). Is the node running (npm run devnet) and the URL right?`,
        );
      }
      options.onRetry?.(attempt, error);
      await new Promise((r) => setTimeout(r, delay));
      delay *= 2;
    }
  }
}

/**
 * A node under load sometimes resets idle keep-alive sockets; the error then surfaces as an
 * uncaught exception instead of failing a request (which our retries would handle). This keeps the
 * process alive for such connection errors only; anything else still ends it with a clear message.
 * Call after loading tfjs' wasm backend: its Emscripten runtime installs a handler that rethrows.
 */
export function guardAgainstDroppedConnections(log: (message: string) => void, explain: (e: unknown) => string): void {
  process.removeAllListeners("uncaughtException");
  process.on("uncaughtException", (error) => {
    if (isConnectionError(error)) {
      log(`a connection to the node dropped (${error.message}); the affected request is retried`);
      return;
    }
    process.stderr.write(`fatal: ${explain(error)}\n`);
    process.exit(1);
  });
}
