import { expect } from "chai";
import { ethers, fhevm } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { MAX_WORDS_PER_CHUNK, encodeUpdate } from "../../client/src/codec";
import { encryptWords } from "../../client/src/fhe/encrypt";
import type { FLuFHEAggregator } from "../../types";
import { MODEL_HASH, SMALL_CODEC, createTask, deployAggregator, randomDelta, submitDelta } from "./fixtures";

const HCU_CAP = 20_000_000;
const HCU_DEPTH_CAP = 5_000_000;
const GAS_CAP = 16_777_216;
/** HCU one word of a non-first contribution pays (HCULimit prices): euint128 scalar AND 37k + euint128 add 259k. */
const WORD_HCU = 37_000 + 259_000;

describe("FLuFHEAggregator: chunk size limit", function () {
  let owner: HardhatEthersSigner;
  let alice: HardhatEthersSigner;
  let bob: HardhatEthersSigner;
  let aggregator: FLuFHEAggregator;
  let address: string;

  before(function () {
    if (!fhevm.isMock) this.skip();
  });

  beforeEach(async function () {
    [owner, alice, bob] = await ethers.getSigners();
    ({ aggregator, address } = await deployAggregator());
  });

  it("is the most words whose non-first contribution fits 20M HCU, and the client mirrors it", async function () {
    const derived = Math.floor(HCU_CAP / WORD_HCU);
    expect(derived).to.equal(67);
    expect((derived + 1) * WORD_HCU).to.be.greaterThan(HCU_CAP);
    expect(await aggregator.MAX_WORDS_PER_CHUNK()).to.equal(derived);
    expect(MAX_WORDS_PER_CHUNK).to.equal(derived);
  });

  it("a second contributor's chunk of exactly MAX_WORDS_PER_CHUNK words goes through under the caps", async function () {
    const max = Number(await aggregator.MAX_WORDS_PER_CHUNK());
    const lanes = Math.floor(128 / SMALL_CODEC.laneBits);
    // One full chunk: max words of `lanes` slots each, one slot being the weight lane.
    const codec = { ...SMALL_CODEC, wordsPerChunk: max, paramCount: max * lanes - 1 };
    const { taskId, layout } = await createTask(aggregator, owner, [alice.address, bob.address], { codec });
    expect(layout.chunkCount).to.equal(1);
    expect(layout.wordCount).to.equal(max);
    await aggregator.openRound(taskId, MODEL_HASH);
    await submitDelta(aggregator, alice, taskId, 1, randomDelta(layout.paramCount, 1, 0.2), layout);

    // Bob's words all land on initialized accumulators: every word pays the encrypted add.
    const words = encodeUpdate(randomDelta(layout.paramCount, 2, 0.2), layout)[0];
    const enc = await encryptWords(fhevm, address, bob.address, words);
    // An explicit limit (gas estimation is unreliable for big FHE transactions): the whole per-tx cap.
    const tx = await aggregator.connect(bob).submitChunk(taskId, 1, 0, enc.handles, enc.proofs, {
      gasLimit: GAS_CAP,
    });
    const receipt = (await tx.wait())!;
    const hcu = fhevm.computeTransactionHCU(receipt);
    expect(hcu.globalHCU).to.equal(max * WORD_HCU);
    expect(hcu.globalHCU).to.be.lessThanOrEqual(HCU_CAP);
    expect(hcu.maxHCUDepth).to.be.lessThan(HCU_DEPTH_CAP);
    expect(Number(receipt.gasUsed)).to.be.lessThan(GAS_CAP);
    expect((await aggregator.chunkContributors(taskId, 1))[0]).to.equal(2);
  });
});
