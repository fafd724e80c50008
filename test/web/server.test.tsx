import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { parseDeployment } from "../../web/src/deployment";
import { parseEvaluations } from "../../web/src/evaluations";
import { parseIntList, parseModelSpec } from "../../client/src/protocol/modelSpec";
import { specFromModelURI } from "../../web/src/modelSpec";
import { specToUri } from "../../client/src/protocol/modelSpec";
import { isForwardedRpcMethod } from "../../web/src/rpcMethods";
import { GET as getDeployment } from "../../web/app/api/deployment/route";
import { POST as rpc } from "../../web/app/api/rpc/route";

afterEach(() => {
  vi.unstubAllGlobals();
  vi.unstubAllEnvs();
});

describe("deployment JSON", () => {
  it("accepts what npm run devnet writes and explains what is wrong otherwise", () => {
    const aggregator = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
    const written = {
      network: "localhost",
      chainId: 31337,
      aggregator,
      blockNumber: 3,
      rpcUrl: "http://127.0.0.1:8545",
    };
    expect(parseDeployment(written, "localhost")).toEqual(written);
    expect(parseDeployment({ chainId: 31337, aggregator }, "sepolia")).toEqual({
      network: "sepolia",
      chainId: 31337,
      aggregator,
      blockNumber: 0,
      rpcUrl: undefined,
    });
    expect(() => parseDeployment({ chainId: "31337", aggregator }, "x")).toThrow(/chainId must be a positive integer/);
    expect(() => parseDeployment({ chainId: 1, aggregator: "0x12" }, "x")).toThrow(
      /aggregator must be a 0x-prefixed address/,
    );
    expect(() => parseDeployment([], "x")).toThrow(/not a JSON object/);
  });

  it("serves the deployment of FLUFHE_DEPLOYMENTS_DIR without the node URL, and forwards RPC to that node", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "flufhe-web-"));
    const aggregator = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
    writeFileSync(
      path.join(dir, "localhost.json"),
      JSON.stringify({ network: "localhost", chainId: 31337, aggregator, blockNumber: 9, rpcUrl: "http://node:1234" }),
    );
    vi.stubEnv("FLUFHE_DEPLOYMENTS_DIR", dir);
    vi.stubEnv("FLUFHE_RPC_URL", "");
    const served = await (await getDeployment()).json();
    expect(served).toEqual({ network: "localhost", chainId: 31337, aggregator, blockNumber: 9 });
    const fetch = vi.fn(async () => Response.json({ jsonrpc: "2.0", id: 1, result: "0x1" }));
    vi.stubGlobal("fetch", fetch);
    await rpc(
      new Request("http://app/api/rpc", { method: "POST", body: JSON.stringify({ id: 1, method: "eth_blockNumber" }) }),
    );
    expect(fetch).toHaveBeenCalledWith("http://node:1234", expect.anything());
    vi.stubEnv("FLUFHE_NETWORK", "sepolia");
    const missing = await getDeployment();
    expect(missing.status).toBe(503);
    expect((await missing.json()).error).toMatch(/no deployment found at .*sepolia\.json/);
  });
});

describe("model specs", () => {
  it("parses shapes typed as lists or HxWxC", () => {
    expect(parseIntList("28, 28, 1")).toEqual([28, 28, 1]);
    expect(parseIntList("28x28x1")).toEqual([28, 28, 1]);
    expect(parseIntList("")).toEqual([]);
    expect(parseIntList("3, a")[1]).toBeNaN();
  });

  it("validates a spec and round-trips it through the task's modelURI", () => {
    const spec = parseModelSpec({ kind: "cnn", inputShape: [28, 28, 1], numClasses: 10, hidden: [8, 16], seed: 3 });
    expect(specFromModelURI(specToUri(spec))).toEqual(spec);
    expect(specFromModelURI("ipfs://x")).toBeUndefined();
    expect(
      parseModelSpec({ kind: "logreg", inputShape: [30], numClasses: 2, hidden: [64], seed: 1 }).hidden,
    ).toBeUndefined();
    expect(() => parseModelSpec({ kind: "cnn", inputShape: [784], numClasses: 10, seed: 1 })).toThrow(
      /\[height, width, channels\]/,
    );
    expect(() => parseModelSpec({ kind: "svm", inputShape: [2], numClasses: 2, seed: 1 })).toThrow(
      /kind must be one of/,
    );
    expect(() => parseModelSpec({ kind: "mlp", inputShape: [2], numClasses: 1, seed: 1 })).toThrow(/numClasses/);
    expect(() => parseModelSpec({ kind: "mlp", inputShape: [2000, 2000], numClasses: 2, seed: 1 })).toThrow(
      /larger than/,
    );
  });
});

describe("evaluation reports", () => {
  it("sorts by round, keeps the last entry of a round, and rejects accuracies outside [0, 1]", () => {
    expect(
      parseEvaluations({
        rounds: [
          { round: 2, accuracy: 0.8 },
          { round: 1, accuracy: 0.5, loss: 1.2 },
          { round: 2, accuracy: 0.9 },
        ],
      }),
    ).toEqual([
      { round: 1, accuracy: 0.5, loss: 1.2 },
      { round: 2, accuracy: 0.9 },
    ]);
    expect(parseEvaluations([{ round: 1, accuracy: 1 }])).toHaveLength(1);
    expect(() => parseEvaluations([{ round: 1, accuracy: 91 }])).toThrow(/accuracy must be a number in \[0, 1\]/);
    expect(() => parseEvaluations({})).toThrow();
  });
});

describe("/api/rpc", () => {
  const post = (body: unknown) =>
    rpc(new Request("http://app/api/rpc", { method: "POST", body: JSON.stringify(body) }));

  it("forwards chain reads and the fhEVM relayer, never the node's own accounts or test controls", () => {
    for (const m of [
      "eth_call",
      "eth_getLogs",
      "eth_sendRawTransaction",
      "fhevm_relayer_v1_user_decrypt",
      "net_version",
    ]) {
      expect(isForwardedRpcMethod(m)).toBe(true);
    }
    for (const m of [
      "eth_sendTransaction",
      "eth_accounts",
      "eth_signTypedData_v4",
      "hardhat_setBalance",
      "evm_mine",
      "fhevm_getClearText",
      42,
    ]) {
      expect(isForwardedRpcMethod(m)).toBe(false);
    }
  });

  it("forwards an allowed call to FLUFHE_RPC_URL and returns the node's answer", async () => {
    vi.stubEnv("FLUFHE_RPC_URL", "http://node:8545");
    const fetch = vi.fn(async () => Response.json({ jsonrpc: "2.0", id: 1, result: "0x7a69" }));
    vi.stubGlobal("fetch", fetch);
    const answer = await (await post({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] })).json();
    expect(answer).toEqual({ jsonrpc: "2.0", id: 1, result: "0x7a69" });
    expect(fetch).toHaveBeenCalledWith("http://node:8545", expect.objectContaining({ method: "POST" }));
  });

  it("answers a refused method itself, and refuses a batch containing one without forwarding any of it", async () => {
    const fetch = vi.fn();
    vi.stubGlobal("fetch", fetch);
    const single = await (await post({ jsonrpc: "2.0", id: 7, method: "eth_sendTransaction", params: [] })).json();
    expect(single).toMatchObject({ id: 7, error: { code: -32601 } });
    const batch = await (
      await post([
        { jsonrpc: "2.0", id: 1, method: "eth_blockNumber" },
        { jsonrpc: "2.0", id: 2, method: "hardhat_mine" },
      ])
    ).json();
    expect(batch).toMatchObject([
      { id: 1, error: { code: -32600 } },
      { id: 2, error: { code: -32601 } },
    ]);
    expect(fetch).not.toHaveBeenCalled();
  });

  it("reports an unreachable node as a JSON-RPC error", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => Promise.reject(new Error("ECONNREFUSED"))),
    );
    const r = await post({ jsonrpc: "2.0", id: 1, method: "eth_blockNumber" });
    expect(r.status).toBe(502);
    expect((await r.json()).error.message).toMatch(/node unreachable: ECONNREFUSED/);
  });
});

describe("/tfjs-wasm/:file", () => {
  it("serves the installed wasm backend's binaries and nothing else", async () => {
    const { GET } = await import("../../web/app/tfjs-wasm/[file]/route");
    const get = (file: string) => GET(new Request(`http://x/tfjs-wasm/${file}`), { params: Promise.resolve({ file }) });
    const ok = await get("tfjs-backend-wasm-simd.wasm");
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-type")).toBe("application/wasm");
    // The wasm magic number: "\0asm".
    expect([...new Uint8Array(await ok.arrayBuffer()).slice(0, 4)]).toEqual([0, 0x61, 0x73, 0x6d]);
    expect((await get("package.json")).status).toBe(404);
    expect((await get("..%2Fpackage.json")).status).toBe(404);
  });
});
