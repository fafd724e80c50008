import { expect } from "chai";
import { ethers, fhevm } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import {
  NO_PRIVACY,
  privacyFromChain,
  toOnChainPrivacy,
  type OnChainPrivacy,
  type PrivacyTerms,
} from "../../client/src/protocol/privacy";
import type { FLuFHEAggregator } from "../../types";
import { MODEL_HASH, createTask, deployAggregator, taskConfig } from "./fixtures";

/** A complete promise (its epsilon is not checked by the contract: participants run the accountant). */
const TERMS: PrivacyTerms = {
  noiseMultiplier: 1.1,
  clipNorm: 1,
  samplingRate: 0.004,
  stepsPerRound: 250,
  delta: 1e-5,
  epsilon: 2.5,
};

/** PrivacyTerms as the ABI spells it. */
const TERMS_TUPLE = "(uint32,uint32,uint32,uint32,uint64,uint32)";

describe("FLuFHEAggregator: differential-privacy terms", function () {
  let owner: HardhatEthersSigner;
  let alice: HardhatEthersSigner;
  let bob: HardhatEthersSigner;
  let aggregator: FLuFHEAggregator;

  before(function () {
    if (!fhevm.isMock) this.skip();
  });

  beforeEach(async function () {
    [owner, alice, bob] = await ethers.getSigners();
    ({ aggregator } = await deployAggregator());
  });

  const storedTerms = async (taskId: bigint) => (await aggregator.getTask(taskId)).config.privacy;

  it("stores a task's promise exactly as given and anyone reads it back", async function () {
    const { taskId } = await createTask(aggregator, owner, [alice.address, bob.address], {
      privacy: toOnChainPrivacy(TERMS),
    });
    expect(
      privacyFromChain(
        await aggregator
          .connect(bob)
          .getTask(taskId)
          .then((t) => t.config.privacy),
      ),
    ).to.deep.equal(TERMS);
  });

  it("stores all zero for a task without a promise", async function () {
    const { taskId } = await createTask(aggregator, owner, [alice.address, bob.address]);
    expect(privacyFromChain(await storedTerms(taskId))).to.equal(undefined);
  });

  it("refuses a promise with any term missing or out of range, and terms without noise", async function () {
    const complete = toOnChainPrivacy(TERMS);
    const broken: Partial<OnChainPrivacy>[] = [
      { clipMicros: 0 },
      { samplingNanos: 0 },
      { samplingNanos: 1_000_000_001 },
      { stepsPerRound: 0 },
      { deltaAtto: 0n },
      { deltaAtto: 10n ** 18n },
      { epsilonMicros: 0 },
    ];
    for (const change of broken) {
      await expect(
        aggregator.createTask(taskConfig({ privacy: { ...complete, ...change } }), []),
        JSON.stringify(change, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v)),
      ).to.be.revertedWithCustomError(aggregator, "InvalidPrivacy");
    }
    // No noise but other terms set: a half-written promise, not "no DP".
    await expect(
      aggregator.createTask(taskConfig({ privacy: { ...NO_PRIVACY, epsilonMicros: 1 } }), []),
    ).to.be.revertedWithCustomError(aggregator, "InvalidPrivacy");
    await expect(aggregator.createTask(taskConfig({ privacy: { ...complete, samplingNanos: 1_000_000_000 } }), [])).not
      .to.be.reverted;
  });

  it("keeps the promise through the task's life: no function takes privacy terms but createTask", async function () {
    const { taskId } = await createTask(aggregator, owner, [alice.address, bob.address], {
      privacy: toOnChainPrivacy(TERMS),
    });
    const before = await storedTerms(taskId);
    await (await aggregator.connect(owner).addParticipants(taskId, [owner.address])).wait();
    await (await aggregator.connect(owner).openRound(taskId, MODEL_HASH)).wait();
    await (await aggregator.connect(owner).removeParticipants(taskId, [owner.address])).wait();
    expect(await storedTerms(taskId)).to.deep.equal(before);

    const takesTerms = aggregator.interface.fragments.filter(
      (f) =>
        f.type === "function" &&
        (f as unknown as { inputs: { format(): string }[] }).inputs.some((i) => i.format().includes(TERMS_TUPLE)),
    );
    expect(takesTerms.map((f) => (f as unknown as { name: string }).name)).to.deep.equal(["createTask"]);
  });
});
