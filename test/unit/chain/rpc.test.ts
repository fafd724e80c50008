import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ConcurrencyLimit, DEVNET_RPC, FhevmNodeProvider, connectProvider } from "../../../client/src/chain/rpc";

type Handler = (body: { id: number; method: string }, req: IncomingMessage, res: ServerResponse) => void;

/** A JSON-RPC server on a free port that answers single requests with `handle` (arrays are refused). */
async function rpcServer(handle: Handler): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    let text = "";
    req.on("data", (d) => (text += d));
    req.on("end", () => {
      const body = JSON.parse(text);
      if (Array.isArray(body)) throw new Error("the devnet provider must not batch");
      if (body.method === "eth_chainId") return reply(res, body.id, "0x7a69");
      handle(body, req, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

function reply(res: ServerResponse, id: number, result: unknown): void {
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify({ jsonrpc: "2.0", id, result }));
}

const servers: Server[] = [];
const providers: FhevmNodeProvider[] = [];
afterEach(async () => {
  providers.splice(0).forEach((p) => p.destroy());
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function devnetProvider(handle: Handler): Promise<FhevmNodeProvider> {
  const { url, server } = await rpcServer(handle);
  servers.push(server);
  const { provider } = await connectProvider(url);
  expect(provider).toBeInstanceOf(FhevmNodeProvider);
  providers.push(provider as FhevmNodeProvider);
  return provider as FhevmNodeProvider;
}

describe("ConcurrencyLimit", () => {
  it("runs at most `limit` tasks at once, in arrival order, and passes on failures", async () => {
    const limit = new ConcurrencyLimit(2);
    let active = 0;
    let most = 0;
    const order: number[] = [];
    const task = (i: number) =>
      limit.run(async () => {
        most = Math.max(most, ++active);
        order.push(i);
        await new Promise((r) => setTimeout(r, 5));
        active--;
        if (i === 3) throw new Error("boom");
        return i;
      });
    const results = await Promise.allSettled([0, 1, 2, 3, 4, 5].map(task));
    expect(most).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
    expect(results[3].status).toBe("rejected");
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(5);
  });
});

describe("the devnet provider", () => {
  it("keeps at most DEVNET_RPC.maxInFlight requests at the node, unbatched, and polls fast", async () => {
    let active = 0;
    let most = 0;
    const provider = await devnetProvider((body, _req, res) => {
      most = Math.max(most, ++active);
      setTimeout(() => {
        active--;
        reply(res, body.id, "0x01");
      }, 5);
    });
    // What the fhEVM mock's user decryption does: two reads per handle, every handle at once.
    const results = await Promise.all(Array.from({ length: 64 }, () => provider.send("eth_call", [{}, "latest"])));
    expect(results).toHaveLength(64);
    expect(most).toBe(DEVNET_RPC.maxInFlight);
    expect(provider.pollingInterval).toBe(DEVNET_RPC.pollingIntervalMs);
  });

  it("repeats a read whose connection the node dropped, never a transaction", async () => {
    const calls: Record<string, number> = {};
    const provider = await devnetProvider((body, req, res) => {
      calls[body.method] = (calls[body.method] ?? 0) + 1;
      if (body.method === "eth_sendRawTransaction" || calls[body.method] === 1) {
        req.socket.destroy(); // what a node under load does to a keep-alive connection
        return;
      }
      reply(res, body.id, "0x02");
    });
    await expect(provider.send("eth_call", [{}, "latest"])).resolves.toBe("0x02");
    expect(calls.eth_call).toBe(2);
    await expect(provider.send("fhevm_relayer_v1_user_decrypt", [{}])).resolves.toBe("0x02");
    await expect(provider.send("eth_sendRawTransaction", ["0x00"])).rejects.toThrow();
    expect(calls.eth_sendRawTransaction).toBe(1);
    await expect(provider.send("fhevm_relayer_v1_input_proof", [{}])).rejects.toThrow();
    expect(calls.fhevm_relayer_v1_input_proof).toBe(1);
  });

  it("repeats a read the mock node answered with its concurrent-event race", async () => {
    let n = 0;
    const provider = await devnetProvider((body, _req, res) => {
      res.setHeader("content-type", "application/json");
      if (++n === 1) {
        res.end(
          JSON.stringify({
            jsonrpc: "2.0",
            id: body.id,
            error: { code: -32603, message: "Parse event 3 in backward order" },
          }),
        );
      } else reply(res, body.id, "0x03");
    });
    await expect(provider.send("eth_call", [{}, "latest"])).resolves.toBe("0x03");
    expect(n).toBe(2);
  });

  it("waits for a slow answer longer than the idle-socket timeout", async () => {
    const provider = await devnetProvider((body, _req, res) => {
      setTimeout(() => reply(res, body.id, "0x04"), DEVNET_RPC.idleSocketMs + 500);
    });
    await expect(provider.send("eth_call", [{}, "latest"])).resolves.toBe("0x04");
  });
});
