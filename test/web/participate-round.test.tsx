import { describe, expect, it, vi } from "vitest";
import type { TransactionReceipt } from "ethers";
import { layoutOf } from "../../client/src/codec/layout";
import type { TaskIdentity } from "../../client/src/chain/taskIdentity";
import type { FheInstance } from "../../client/src/fhe/instance";
import { encodeRound, residualFromText, taskEncoding } from "../../client/src/node/encoding";
import { fromHexChunks } from "../../client/src/node/hexChunks";
import { localTrainingSeed } from "../../client/src/node/training";
import type { ModelSpec } from "../../client/src/protocol/modelSpec";
import { privacyFromChoices, roundMechanism } from "../../client/src/protocol/privacy";
import type { SubsampledGaussian } from "../../client/src/privacy/rdp";
import type { FLuFHEAggregator } from "../../types/contracts/FLuFHEAggregator";
import { aggregatorInterface } from "../../web/src/chain";
import { withGetFunction } from "../shared/fakeAggregator";
import type { EncryptRequest } from "../../web/src/participate/encryptProtocol";
import { Encryptor } from "../../web/src/participate/encryptor";
import { DEVNET, fakeEnv, fakeInstance, inProcessEncryptor, inProcessWorker } from "./encryptFakes";
import { submitBatched, supportsBatchedCalls } from "../../web/src/participate/batch";
import {
  NODE_DEFAULTS,
  preparedUpdate,
  submitChunks,
  trainRequest,
  type ChunkState,
  type RoundInput,
} from "../../web/src/participate/roundUpdate";
import type { TrainRequest } from "../../web/src/participate/trainProtocol";
import { steppedTraining } from "./participantStubs";
import { loadParticipation, memoryParticipationStore } from "../../web/src/participate/updateStore";

const ACCOUNT = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const CONTRACT = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const SPEC: ModelSpec = { kind: "logreg", inputShape: [4], numClasses: 2, seed: 1 };
const C = "0x" + "c1".repeat(32);
// 2 lanes per word, 2 words per chunk: slot 0 carries the weight, 3 parameters per chunk, 4 chunks.
const layout = layoutOf({
  valueBits: 8,
  laneBits: 64,
  wordsPerChunk: 2,
  paramCount: 11,
  clip: 0.5,
  sampleCap: 0,
  weightFloor: 1,
});
const global = Float32Array.from({ length: 11 }, (_, i) => i / 10);
const train = {
  x: new Float32Array(16),
  y: new Int32Array([0, 1, 0, 1]),
  numFeatures: 4,
  numClasses: 2,
  featureShape: [4],
};
const input: RoundInput = {
  taskId: 4n,
  round: 2,
  globalModelHash: C,
  spec: SPEC,
  layout,
  global: { commitment: C, weights: global },
  train,
  settings: NODE_DEFAULTS,
};
const TASK: TaskIdentity = {
  chainId: "31337",
  aggregator: CONTRACT.toLowerCase(),
  taskId: "4",
  modelHash: C,
  createdBlock: 7,
  createdBlockHash: "0x" + "ab".repeat(32),
};
const init = { task: TASK, account: ACCOUNT };

/** Training that moves every weight by a fixed step, so the encoded update is known. */
const fakeTraining = (requests: TrainRequest[]) => steppedTraining(requests, (i) => (i % 2 ? 0.05 : -0.03));

/** A DP promise over the task's 2 rounds (epsilon as the accountant computes it). */
const TERMS = privacyFromChoices(
  { noiseMultiplier: 1.1, delta: 1e-5, clipNorm: 1, samplingRate: 0.25, stepsPerRound: 4 },
  2,
);

describe("the training request", () => {
  it("carries the task's DP-SGD settings for a DP task, and none otherwise", () => {
    const trainable = { ...input, global: input.global!, train: input.train! };
    expect(trainRequest(trainable).options.privacy).toBeUndefined();
    const dp = trainRequest({ ...trainable, privacy: TERMS }).options;
    expect(dp.privacy).toEqual({ clipNorm: 1, noiseMultiplier: 1.1, samplingRate: 0.25, steps: 4 });
    // Never a seeded ("insecure") generator: sampling and noise come from the secure one.
    expect(dp.privacy).not.toHaveProperty("insecureSeed");
    expect(dp.seed).toBe(localTrainingSeed(NODE_DEFAULTS.seed, 2));
  });
});

describe("preparedUpdate", () => {
  it("charges the round's mechanism before it trains with DP-SGD, and trains nothing when the charge is refused", async () => {
    const store = memoryParticipationStore();
    const order: string[] = [];
    const charged: (SubsampledGaussian | null)[] = [];
    const requests: TrainRequest[] = [];
    const training = fakeTraining(requests);
    const start = training.start;
    training.start = (r: TrainRequest) => (order.push("train"), start(r));
    const chargePrivacy = async (m: SubsampledGaussian | null) => void (order.push("charge"), charged.push(m));
    const record = await loadParticipation(store, "k", init);
    await preparedUpdate({ ...input, privacy: TERMS, chargePrivacy }, record, store, training);
    expect(order).toEqual(["charge", "train"]);
    expect(charged).toEqual([roundMechanism(TERMS)]);
    expect(requests[0].options.privacy?.steps).toBe(4);
    // Refused: the charge throws, nothing is trained or saved.
    const other = memoryParticipationStore();
    const refuse = async () => {
      throw new Error("Refused: over budget");
    };
    const fresh = await loadParticipation(other, "k", init);
    await expect(
      preparedUpdate({ ...input, privacy: TERMS, chargePrivacy: refuse }, fresh, other, training),
    ).rejects.toThrow("Refused: over budget");
    expect(requests).toHaveLength(1);
    expect(await other.get("k")).toBeUndefined();
    // A task without DP is charged as such (null: epsilon infinite) and trains without DP-SGD.
    charged.length = 0;
    const plain = await loadParticipation(memoryParticipationStore(), "k", init);
    await preparedUpdate({ ...input, chargePrivacy }, plain, memoryParticipationStore(), training);
    expect(charged).toEqual([null]);
    expect(requests[1].options.privacy).toBeUndefined();
  });

  it("trains with the node's seed, encodes as the node does and saves before returning; then resumes it", async () => {
    const store = memoryParticipationStore();
    const requests: TrainRequest[] = [];
    const record = await loadParticipation(store, "k", init);
    const first = await preparedUpdate(input, record, store, fakeTraining(requests));
    expect(requests).toHaveLength(1);
    expect(requests[0].options.seed).toBe(localTrainingSeed(NODE_DEFAULTS.seed, 2));
    expect(first.resumed).toBe(false);
    // The node's encodeRound on the same delta gives the same words (the default codec rounds deterministically).
    const delta = global.map((w, i) => w + (i % 2 ? 0.05 : -0.03) - w);
    const expected = encodeRound(
      taskEncoding(SPEC, 11),
      {},
      {
        delta,
        layout,
        ctx: { taskId: 4n, round: 2, globalModelHash: C },
        samples: 4,
      },
    );
    expect(first.chunks).toEqual(expected.chunks);
    const saved = await loadParticipation(store, "k", init);
    expect(fromHexChunks(saved.state.updates[2])).toEqual(first.chunks);
    // A reload: the same update, no training.
    const again = await preparedUpdate(
      { ...input, train: undefined, global: undefined },
      saved,
      store,
      fakeTraining(requests),
    );
    expect(again).toEqual({ chunks: first.chunks, resumed: true });
    expect(requests).toHaveLength(1);
  });

  it("sets aside, never reuses and never deletes a saved update of another task under the same key", async () => {
    const store = memoryParticipationStore();
    await preparedUpdate(input, await loadParticipation(store, "k", init), store, fakeTraining([]));
    // The devnet restarted: same chain id, aggregator and task id, another creation block.
    const restarted = { ...TASK, createdBlockHash: "0x" + "cd".repeat(32) };
    const record = await loadParticipation(store, "k", { task: restarted, account: ACCOUNT });
    expect(record.state.updates).toEqual({});
    expect(record.setAside).toMatch(/not used: it was made for task 4 on chain 31337 .* differ in createdBlockHash/);
    const aside = await store.get("k#set-aside:abababab");
    expect(aside && "state" in aside && aside.state.updates[2]).toBeTruthy();
    // Set aside once: the next load is clean and the fresh state is this task's.
    const again = await loadParticipation(store, "k", { task: restarted, account: ACCOUNT });
    expect(again.setAside).toBeUndefined();
    expect(again.state.task).toEqual(restarted);
  });

  it("saves a compressed encoding's error-feedback residual together with the update", async () => {
    const store = memoryParticipationStore();
    const spec: ModelSpec = { ...SPEC, encoding: { kind: "stochastic" } };
    const record = await loadParticipation(store, "k", init);
    await preparedUpdate({ ...input, spec }, record, store, fakeTraining([]));
    const saved = (await loadParticipation(store, "k", init)).state;
    expect(saved.updates[2]).toBeDefined();
    expect(saved.feedback?.round).toBe(2);
    expect(residualFromText(saved.feedback!.residual)).toHaveLength(11);
  });

  it("refuses to train on a model that is not the round's commitment, or without data", async () => {
    const store = memoryParticipationStore();
    const record = await loadParticipation(store, "k", init);
    const requests: TrainRequest[] = [];
    await expect(
      preparedUpdate(
        { ...input, global: { commitment: "0x" + "00".repeat(32), weights: global } },
        record,
        store,
        fakeTraining(requests),
      ),
    ).rejects.toThrow(/does not match the round's commitment/);
    await expect(preparedUpdate({ ...input, train: undefined }, record, store, fakeTraining(requests))).rejects.toThrow(
      "pick your data file first",
    );
    expect(requests).toEqual([]);
    expect(await store.get("k")).toBeUndefined();
  });
});

function fakeAggregator(done: boolean[]) {
  const sent: number[] = [];
  const encrypted: { handles: string[]; proofs: string[] }[] = [];
  const aggregator = withGetFunction({
    runner: { getAddress: async () => ACCOUNT },
    interface: aggregatorInterface,
    getAddress: async () => CONTRACT,
    submittedChunks: async () => done,
    submitChunk: async (_t: bigint, _r: number, c: number, h: string[], p: string[], o: { gasLimit: bigint }) => {
      expect(o.gasLimit).toBeGreaterThan(0n);
      sent.push(c);
      encrypted.push({ handles: h, proofs: p });
      const hash = "0x" + String(c + 1).repeat(64);
      return { hash, wait: async () => ({ hash, gasUsed: 1000n + BigInt(c) }) };
    },
  });
  return { aggregator: aggregator as unknown as FLuFHEAggregator, sent, encrypted };
}

const chunks = [[1n, 2n], [3n, 4n], [5n, 6n], [7n]];

describe("submitChunks", () => {
  it("skips what the chain holds, reports each chunk sending, pending, then confirmed with gas and HCU", async () => {
    expect(layout.chunkCount).toBe(4);
    const { aggregator, sent } = fakeAggregator([true, false, true, false]);
    const states: ChunkState[] = [];
    await submitChunks({
      aggregator,
      encryptor: inProcessEncryptor(),
      hcuOf: (r: TransactionReceipt) => Number(r.gasUsed) * 3,
      taskId: 4n,
      round: 2,
      layout,
      chunks,
      onChunk: (s) => states.push(s),
    });
    expect(sent).toEqual([1, 3]);
    // submitUpdate reads which chunks the chain holds before it encrypts any: chunk 2 is never "sending".
    expect(states.map((s) => `${s.chunk}:${s.status}`)).toEqual([
      "0:sending",
      "0:on-chain",
      "1:sending",
      "2:on-chain",
      "1:pending",
      "1:confirmed",
      "3:sending",
      "3:pending",
      "3:confirmed",
    ]);
    expect(states.find((s) => s.chunk === 3 && s.status === "confirmed")).toMatchObject({ gas: 1003, hcu: 3009 });
  });

  it("sends what the encryption worker made, and names the chunk whose encryption failed", async () => {
    const { aggregator, sent, encrypted } = fakeAggregator([false, false, false, false]);
    const worker: { requests: EncryptRequest[] } = { requests: [] };
    const failing = fakeInstance();
    const encryptor = new Encryptor(DEVNET, undefined, () => {
      const w = inProcessWorker(
        fakeEnv({
          createEncryptedInput: (contract: string, user: string) => {
            const input = failing.createEncryptedInput(contract, user);
            const words: bigint[] = [];
            return {
              add128: (w: bigint) => {
                words.push(w);
                input.add128(w);
              },
              encrypt: async () => {
                if (words.includes(5n)) throw new Error("the relayer refused the proof");
                return input.encrypt();
              },
            } as unknown as ReturnType<FheInstance["createEncryptedInput"]>;
          },
        } as unknown as FheInstance),
      );
      worker.requests = w.requests;
      return w;
    });
    const run = submitChunks({ aggregator, encryptor, taskId: 4n, round: 2, layout, chunks, onChunk: () => {} });
    // Chunk 3 (index 2) holds word 5: the page shows chunks from 1.
    await expect(run).rejects.toThrow("encrypting chunk 3 of 4 failed: the relayer refused the proof");
    expect(sent).toEqual([0, 1]);
    // The handles and proofs the fake instance made in the worker, as hex: two words, one proof per chunk.
    const handle = (i: number) => "0x" + String(i).padStart(2, "0").repeat(32);
    expect(encrypted).toEqual([
      { handles: [handle(1), handle(2)], proofs: ["0x010203"] },
      { handles: [handle(1), handle(2)], proofs: ["0x010203"] },
    ]);
    const asked = worker.requests.filter((r) => r.type === "encrypt");
    // In order, each chunk once, named as the page shows it; the chunk after the failed one was asked for
    // ahead (while the wallet confirmed an earlier one) and its answer dropped.
    expect(asked.map((r) => [r.label, r.contract, r.user, r.words])).toEqual([
      ["chunk 1 of 4", CONTRACT, ACCOUNT, [1n, 2n]],
      ["chunk 2 of 4", CONTRACT, ACCOUNT, [3n, 4n]],
      ["chunk 3 of 4", CONTRACT, ACCOUNT, [5n, 6n]],
      ["chunk 4 of 4", CONTRACT, ACCOUNT, [7n]],
    ]);
  });
});

describe("batched submission (EIP-5792)", () => {
  it("is used only when the wallet answers wallet_getCapabilities for the chain", async () => {
    const answering = { request: vi.fn(async () => ({ "0x7a69": { atomic: { status: "supported" } } })) };
    expect(await supportsBatchedCalls(answering, ACCOUNT, 31337)).toBe(true);
    expect(answering.request).toHaveBeenCalledWith({ method: "wallet_getCapabilities", params: [ACCOUNT, ["0x7a69"]] });
    expect(await supportsBatchedCalls({ request: async () => ({ "0x1": {} }) }, ACCOUNT, 31337)).toBe(false);
    const unknown = { request: async () => Promise.reject(new Error("method not found")) };
    expect(await supportsBatchedCalls(unknown, ACCOUNT, 31337)).toBe(false);
  });

  it("sends every missing chunk in one wallet_sendCalls and reports each receipt", async () => {
    const { aggregator } = fakeAggregator([false, true, false, false]);
    const calls: { method: string; params?: unknown[] }[] = [];
    let polls = 0;
    const wallet = {
      request: async (args: { method: string; params?: unknown[] }) => {
        calls.push(args);
        if (args.method === "wallet_sendCalls") return { id: "batch-1" };
        polls++;
        if (polls === 1) return { status: 100 };
        return { status: 200, receipts: [0, 2, 3].map((c) => ({ transactionHash: `0xt${c}`, status: "0x1" })) };
      },
    };
    const provider = {
      getTransactionReceipt: async (hash: string) => ({ hash, status: 1, gasUsed: 500n }),
    };
    const states: ChunkState[] = [];
    await submitBatched({
      wallet,
      account: ACCOUNT,
      chainId: 31337,
      aggregator,
      provider: provider as never,
      encryptor: inProcessEncryptor(),
      taskId: 4n,
      round: 2,
      layout,
      chunks,
      onChunk: (s) => states.push(s),
      pollMs: 1,
    });
    const send = calls.filter((c) => c.method === "wallet_sendCalls");
    expect(send).toHaveLength(1);
    const body = send[0].params![0] as { calls: { to: string; data: string }[]; atomicRequired: boolean };
    expect(body.atomicRequired).toBe(false);
    expect(body.calls.map((c) => aggregatorInterface.decodeFunctionData("submitChunk", c.data)[2])).toEqual([
      0n,
      2n,
      3n,
    ]);
    expect(body.calls.every((c) => c.to === CONTRACT)).toBe(true);
    expect(states.filter((s) => s.status === "confirmed").map((s) => [s.chunk, s.hash, s.gas])).toEqual([
      [0, "0xt0", 500],
      [2, "0xt2", 500],
      [3, "0xt3", 500],
    ]);
    expect(states.find((s) => s.chunk === 1)?.status).toBe("on-chain");
  });

  it("fails with what to do when a chunk of the batch reverted", async () => {
    const { aggregator } = fakeAggregator([true, true, true, false]);
    const wallet = {
      request: async (args: { method: string }) =>
        args.method === "wallet_sendCalls"
          ? "id"
          : { status: 500, receipts: [{ transactionHash: "0xt3", status: "0x0" }] },
    };
    // Replayed as eth_call, the chunk reverts with the contract's custom error: the message names it.
    const data = aggregatorInterface.encodeErrorResult("ChunkAlreadySubmitted", [4n, 2, 3, ACCOUNT]);
    const provider = {
      getTransactionReceipt: async (hash: string) => ({ hash, status: 0, gasUsed: 1n }),
      call: async () => Promise.reject(Object.assign(new Error("execution reverted"), { data })),
    };
    await expect(
      submitBatched({
        wallet,
        account: ACCOUNT,
        chainId: 31337,
        aggregator,
        provider: provider as never,
        encryptor: inProcessEncryptor(),
        taskId: 4n,
        round: 2,
        layout,
        chunks,
        onChunk: () => {},
        pollMs: 1,
      }),
    ).rejects.toThrow(
      /^submitChunk \(task 4, round 2, chunk 3, account 0x[0-9a-fA-F]{40}\) reverted with ChunkAlreadySubmitted/,
    );
  });
});
