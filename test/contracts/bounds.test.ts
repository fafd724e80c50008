import { expect } from "chai";
import { ethers, fhevm } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { decodeAggregate, encodeUpdate, layoutOf, quantStep } from "../../client/src/codec";
import { chooseCodec, planSubmission } from "../../client/src/protocol/plan";
import { encryptWords } from "../../client/src/fhe/encrypt";
import { chunkGasLimit } from "../../client/src/protocol/prices";
import type { FLuFHEAggregator } from "../../types";
import { MODEL_HASH, createTask, decryptAggregate, deployAggregator, randomDelta, submitDelta } from "./fixtures";
import type { Layout } from "../../client/src/codec";

const HCU_CAP = 20_000_000;
const GAS_CAP = 16_777_216;

describe("FLuFHEAggregator: bounded influence and budgets", function () {
  let owner: HardhatEthersSigner;
  let signers: HardhatEthersSigner[];
  let aggregator: FLuFHEAggregator;
  let address: string;

  before(function () {
    if (!fhevm.isMock) this.skip();
  });

  beforeEach(async function () {
    [owner, ...signers] = await ethers.getSigners();
    ({ aggregator, address } = await deployAggregator());
  });

  /** Submits raw words (no codec), as a malicious client could. */
  async function submitRaw(signer: HardhatEthersSigner, taskId: bigint, round: number, layout: Layout, word: bigint) {
    for (let c = 0; c < layout.chunkCount; c++) {
      const count = Math.min(layout.wordsPerChunk, layout.wordCount - c * layout.wordsPerChunk);
      const enc = await encryptWords(fhevm, address, signer.address, Array(count).fill(word));
      await (await aggregator.connect(signer).submitChunk(taskId, round, c, enc.handles, enc.proofs)).wait();
    }
  }

  it("an all-ones attacker moves every coordinate by exactly its lane bound / n, and no neighbour lane", async function () {
    const [alice, bob, mallory] = signers;
    const { taskId, layout } = await createTask(aggregator, owner, [alice.address, bob.address, mallory.address], {
      rounds: 2,
    });
    const honest = [randomDelta(layout.paramCount, 1, 0.3), randomDelta(layout.paramCount, 2, 0.3)];
    const decodedRound = async (round: number, malicious: () => Promise<unknown>) => {
      await aggregator.openRound(taskId, MODEL_HASH);
      await submitDelta(aggregator, alice, taskId, round, honest[0], layout);
      await submitDelta(aggregator, bob, taskId, round, honest[1], layout);
      await malicious();
      await aggregator.closeRound(taskId, round);
      await aggregator.revealRound(taskId, round);
      const words = await decryptAggregate(aggregator, alice, taskId, round, layout);
      return decodeAggregate(words, Array(layout.chunkCount).fill(3), layout);
    };
    const withZero = await decodedRound(1, () =>
      submitDelta(aggregator, mallory, taskId, 1, new Float64Array(layout.paramCount), layout),
    );
    // Every bit set, headroom bits included: without the lane mask this would carry into neighbours.
    const withAttack = await decodedRound(2, () => submitRaw(mallory, taskId, 2, layout, 2n ** 128n - 1n));

    const step = quantStep(layout.clip, layout.valueBits);
    const shift = ((2 ** (layout.valueBits - 1) - 1) * step) / 3; // largest code minus the zero code, over n = 3
    expect(shift).to.be.lessThan(layout.clip / 3);
    for (let i = 0; i < layout.paramCount; i++) {
      expect(withAttack[i] - withZero[i]).to.be.closeTo(shift, 1e-12);
    }
  });

  it("the largest planned chunk stays under 20M HCU and the 16,777,216 gas cap", async function () {
    const maxCohort = 16;
    const codec = chooseCodec({ paramCount: 3000, maxCohort, valueBits: 8, clip: 0.5 });
    const layout = layoutOf(codec, maxCohort);
    const plan = planSubmission(codec, maxCohort);
    expect(layout.wordsPerChunk).to.be.greaterThanOrEqual(60);
    const [alice, bob] = signers;
    const { taskId } = await createTask(aggregator, owner, [alice.address, bob.address], { codec, maxCohort });
    await aggregator.openRound(taskId, MODEL_HASH);
    // Worst case is the second contributor: every word pays the encrypted add on top of the mask.
    await submitDelta(aggregator, alice, taskId, 1, randomDelta(layout.paramCount, 1, 0.2), layout);
    const chunks = encodeUpdate(randomDelta(layout.paramCount, 2, 0.2), layout);
    const enc = await encryptWords(fhevm, address, bob.address, chunks[0]);
    const tx = await aggregator.connect(bob).submitChunk(taskId, 1, 0, enc.handles, enc.proofs, {
      gasLimit: chunkGasLimit(layout.wordsPerChunk),
    });
    const receipt = (await tx.wait())!;
    const hcu = fhevm.computeTransactionHCU(receipt);
    expect(hcu.globalHCU).to.equal(layout.wordsPerChunk * (259_000 + 37_000));
    expect(hcu.globalHCU).to.be.lessThan(HCU_CAP);
    expect(hcu.globalHCU).to.be.lessThanOrEqual(plan.maxChunkHcu);
    expect(hcu.maxHCUDepth).to.be.lessThan(5_000_000);
    expect(Number(receipt.gasUsed)).to.be.lessThan(GAS_CAP);
    expect(Number(receipt.gasUsed)).to.be.lessThanOrEqual(plan.maxChunkGas);
  });
});
