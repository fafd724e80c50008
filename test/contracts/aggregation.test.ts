import { expect } from "chai";
import { ethers, fhevm } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { decodeAggregate, quantStep, layoutOf } from "../../client/src/codec";
import { layoutFromTask } from "../../client/src/protocol/taskConfig";
import type { FLuFHEAggregator } from "../../types";
import {
  MODEL_HASH,
  RoundState,
  SMALL_CODEC,
  clippedMean,
  createTask,
  decryptAggregate,
  deployAggregator,
  maxAbsDiff,
  randomDelta,
  submitDelta,
} from "./fixtures";

describe("FLuFHEAggregator: encrypted aggregation", function () {
  let owner: HardhatEthersSigner;
  let alice: HardhatEthersSigner;
  let bob: HardhatEthersSigner;
  let carol: HardhatEthersSigner;
  let aggregator: FLuFHEAggregator;

  before(function () {
    if (!fhevm.isMock) this.skip();
  });

  beforeEach(async function () {
    [owner, alice, bob, carol] = await ethers.getSigners();
    ({ aggregator } = await deployAggregator());
  });

  it("derives the same layout on-chain as the TypeScript codec", async function () {
    const { taskId, layout } = await createTask(aggregator, owner, [alice.address, bob.address]);
    const task = await aggregator.getTask(taskId);
    expect(task.wordCount).to.equal(layout.wordCount);
    expect(task.chunkCount).to.equal(layout.chunkCount);
    expect(task.lanesPerWord).to.equal(layout.lanesPerWord);
    expect(task.laneMask).to.equal(layout.laneMask);
    expect(layoutFromTask(task)).to.deep.equal(layout);
    // The creating block identifies the task beyond its id (a restarted chain reuses ids).
    expect(task.createdBlock).to.equal(BigInt(await ethers.provider.getBlockNumber()));
    for (const paramCount of [1, 9, 79, 80, 158, 159, 1000, 7850]) {
      const codec = { ...SMALL_CODEC, paramCount };
      const { taskId: id } = await createTask(aggregator, owner, [alice.address, bob.address], { codec });
      const t = await aggregator.getTask(id);
      const expected = layoutOf(codec, 16);
      expect([Number(t.wordCount), Number(t.chunkCount)]).to.deep.equal([expected.wordCount, expected.chunkCount]);
    }
  });

  it("decrypts an aggregate equal to the plaintext average of three updates within quantization error", async function () {
    const participants = [alice, bob, carol];
    const { taskId, layout } = await createTask(
      aggregator,
      owner,
      participants.map((p) => p.address),
    );
    await (await aggregator.connect(owner).openRound(taskId, MODEL_HASH)).wait();
    // Some coordinates exceed the clip bound on purpose: they must be clipped, not wrapped.
    const deltas = participants.map((_, i) => randomDelta(layout.paramCount, 100 + i, layout.clip * 1.2));
    for (let i = 0; i < participants.length; i++) {
      await submitDelta(aggregator, participants[i], taskId, 1, deltas[i], layout);
    }
    const round = await aggregator.getRound(taskId, 1);
    expect(round.completed).to.equal(3);
    expect(round.chunksAtQuorum).to.equal(layout.chunkCount);

    await (await aggregator.connect(alice).closeRound(taskId, 1)).wait(); // everyone done: anyone may close
    await (await aggregator.connect(bob).revealRound(taskId, 1)).wait();
    expect((await aggregator.getRound(taskId, 1)).state).to.equal(RoundState.Revealed);

    const contributors = (await aggregator.chunkContributors(taskId, 1)).map(Number);
    expect(contributors).to.deep.equal(Array(layout.chunkCount).fill(3));
    const expected = clippedMean(deltas, layout.clip);
    const step = quantStep(layout.clip, layout.valueBits);
    for (const reader of [alice, owner]) {
      const words = await decryptAggregate(aggregator, reader, taskId, 1, layout);
      const decoded = decodeAggregate(words, contributors, layout);
      // Each contributor's rounding error is at most one step (half a step, or a full step at the top code).
      expect(maxAbsDiff(decoded, expected)).to.be.lessThanOrEqual(step);
    }
  });

  it("weights contributions by sample count (FedAvg) and decodes the weighted mean", async function () {
    const codec = { ...SMALL_CODEC, sampleCap: 1000, weightFloor: 16 };
    const { taskId, layout } = await createTask(aggregator, owner, [alice.address, bob.address], { codec });
    await (await aggregator.connect(owner).openRound(taskId, MODEL_HASH)).wait();
    const da = randomDelta(layout.paramCount, 1, 0.4);
    const db = randomDelta(layout.paramCount, 2, 0.4);
    await submitDelta(aggregator, alice, taskId, 1, da, layout, 1000);
    await submitDelta(aggregator, bob, taskId, 1, db, layout, 250);
    await (await aggregator.connect(owner).closeRound(taskId, 1)).wait();
    await (await aggregator.connect(owner).revealRound(taskId, 1)).wait();
    const words = await decryptAggregate(aggregator, alice, taskId, 1, layout);
    const decoded = decodeAggregate(words, [2, 2, 2], layout);
    const pa = 255 / 255;
    const pb = Math.round(0.25 * 255) / 255;
    const expected = da.map((x, i) => (pa * x + pb * db[i]) / (pa + pb));
    expect(maxAbsDiff(decoded, expected)).to.be.lessThan(quantStep(layout.clip, layout.valueBits));
    // The unweighted mean differs measurably: the weighting really happened.
    expect(maxAbsDiff(decoded, clippedMean([da, db], layout.clip))).to.be.greaterThan(0.05);
  });

  it("runs consecutive rounds, recording each round's global-model commitment", async function () {
    const { taskId, layout } = await createTask(aggregator, owner, [alice.address, bob.address], { rounds: 2 });
    await (await aggregator.connect(owner).openRound(taskId, MODEL_HASH)).wait();
    for (const p of [alice, bob])
      await submitDelta(aggregator, p, taskId, 1, randomDelta(layout.paramCount, 7, 0.1), layout);
    await (await aggregator.connect(owner).closeRound(taskId, 1)).wait();
    await (await aggregator.connect(owner).revealRound(taskId, 1)).wait();
    const nextHash = ethers.id("model after round 1");
    await expect(aggregator.connect(owner).openRound(taskId, nextHash))
      .to.emit(aggregator, "RoundOpened")
      .withArgs(taskId, 2, nextHash, (d: bigint) => d > 0n, 2);
    expect((await aggregator.getRound(taskId, 2)).globalModelHash).to.equal(nextHash);
    expect((await aggregator.getTask(taskId)).currentRound).to.equal(2);
  });
});
