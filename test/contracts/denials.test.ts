import { expect } from "chai";
import { ethers, fhevm } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { encodeUpdate } from "../../client/src/codec";
import { encryptWords } from "../../client/src/fhe/encrypt";
import type { FLuFHEAggregator } from "../../types";
import {
  MODEL_HASH,
  Policy,
  RoundState,
  SMALL_CODEC,
  createTask,
  deployAggregator,
  randomDelta,
  submitDelta,
  taskConfig,
} from "./fixtures";
import type { Layout } from "../../client/src/codec";

/** Longest round the contract accepts: 365 days, in seconds. */
const MAX_ROUND_DURATION = 365 * 24 * 3600;
/** Largest chunk the contract accepts: floor(20,000,000 HCU / (259k euint128 add + 37k scalar AND)). */
const MAX_WORDS_PER_CHUNK = 67;

describe("FLuFHEAggregator: denials", function () {
  let owner: HardhatEthersSigner;
  let alice: HardhatEthersSigner;
  let bob: HardhatEthersSigner;
  let carol: HardhatEthersSigner;
  let mallory: HardhatEthersSigner;
  let aggregator: FLuFHEAggregator;
  let address: string;
  let taskId: bigint;
  let layout: Layout;

  before(function () {
    if (!fhevm.isMock) this.skip();
  });

  beforeEach(async function () {
    [owner, alice, bob, carol, mallory] = await ethers.getSigners();
    ({ aggregator, address } = await deployAggregator());
    ({ taskId, layout } = await createTask(aggregator, owner, [alice.address, bob.address, carol.address]));
  });

  const open = () => aggregator.connect(owner).openRound(taskId, MODEL_HASH);
  const chunk0 = async (signer: HardhatEthersSigner, forUser = signer.address, forContract = address) => {
    const words = encodeUpdate(randomDelta(layout.paramCount, 3, 0.1), layout)[0];
    return encryptWords(fhevm, forContract, forUser, words);
  };

  describe("task configuration", function () {
    it("rejects lanes without headroom for the cohort: N_max * (2^b - 1) >= 2^L", async function () {
      // 16 x 255 = 4080 fits 12 bits; 17 x 255 = 4335 does not.
      await expect(aggregator.createTask(taskConfig({ maxCohort: 17 }), []))
        .to.be.revertedWithCustomError(aggregator, "HeadroomTooSmall")
        .withArgs(17, 8, 12);
      await expect(aggregator.createTask(taskConfig({ maxCohort: 16 }), [])).not.to.be.reverted;
    });

    it("rejects invalid codec, cohort and schedule settings", async function () {
      const bad = (codec: Partial<typeof SMALL_CODEC>) => taskConfig({ codec: { ...SMALL_CODEC, ...codec } });
      await expect(aggregator.createTask(bad({ valueBits: 1 }), [])).to.be.revertedWithCustomError(
        aggregator,
        "InvalidValueBits",
      );
      await expect(aggregator.createTask(bad({ laneBits: 8 }), [])).to.be.revertedWithCustomError(
        aggregator,
        "InvalidLaneBits",
      );
      await expect(aggregator.createTask(bad({ wordsPerChunk: 0 }), [])).to.be.revertedWithCustomError(
        aggregator,
        "InvalidChunking",
      );
      await expect(aggregator.createTask(bad({ paramCount: 0 }), [])).to.be.revertedWithCustomError(
        aggregator,
        "InvalidChunking",
      );
      await expect(aggregator.createTask(bad({ weightFloor: 256 }), [])).to.be.revertedWithCustomError(
        aggregator,
        "InvalidWeightFloor",
      );
      // A cohort of one would reveal an individual update.
      await expect(aggregator.createTask(taskConfig({ minCohort: 1 }), []))
        .to.be.revertedWithCustomError(aggregator, "InvalidCohort")
        .withArgs(1, 16);
      await expect(aggregator.createTask(taskConfig({ rounds: 0 }), [])).to.be.revertedWithCustomError(
        aggregator,
        "InvalidSchedule",
      );
    });

    it("rejects a round duration over 365 days (its deadline could overflow), accepts exactly 365 days", async function () {
      await expect(aggregator.createTask(taskConfig({ roundDuration: MAX_ROUND_DURATION + 1 }), []))
        .to.be.revertedWithCustomError(aggregator, "RoundDurationTooLong")
        .withArgs(MAX_ROUND_DURATION + 1, MAX_ROUND_DURATION);
      // Used to be accepted, and then openRound panicked computing block.timestamp + duration in uint64.
      const nearOverflow = { ...taskConfig(), roundDuration: 2n ** 64n - 1n };
      await expect(aggregator.createTask(nearOverflow, []))
        .to.be.revertedWithCustomError(aggregator, "RoundDurationTooLong")
        .withArgs(2n ** 64n - 1n, MAX_ROUND_DURATION);
      expect(await aggregator.MAX_ROUND_DURATION()).to.equal(MAX_ROUND_DURATION);

      const { taskId: longest } = await createTask(aggregator, owner, [alice.address, bob.address], {
        roundDuration: MAX_ROUND_DURATION,
      });
      await expect(aggregator.openRound(longest, MODEL_HASH)).to.emit(aggregator, "RoundOpened");
      const round = await aggregator.getRound(longest, 1);
      expect(round.deadline - round.openedAt).to.equal(BigInt(MAX_ROUND_DURATION));
    });

    it("rejects a chunk whose second contribution would exceed 20M HCU, accepts exactly the largest that fits", async function () {
      const withChunk = (wordsPerChunk: number) => taskConfig({ codec: { ...SMALL_CODEC, wordsPerChunk } });
      for (const words of [MAX_WORDS_PER_CHUNK + 1, 256, 65535]) {
        await expect(aggregator.createTask(withChunk(words), []))
          .to.be.revertedWithCustomError(aggregator, "ChunkTooLarge")
          .withArgs(words, MAX_WORDS_PER_CHUNK);
      }
      expect(await aggregator.MAX_WORDS_PER_CHUNK()).to.equal(MAX_WORDS_PER_CHUNK);
      await expect(aggregator.createTask(withChunk(MAX_WORDS_PER_CHUNK), [])).to.emit(aggregator, "TaskCreated");
      // (limits.test.ts submits such a chunk as the second contributor and measures its HCU.)
    });

    it("rejects zero, duplicate and too many participants", async function () {
      await expect(aggregator.createTask(taskConfig(), [ethers.ZeroAddress])).to.be.revertedWithCustomError(
        aggregator,
        "ZeroAddress",
      );
      await expect(aggregator.createTask(taskConfig(), [alice.address, alice.address]))
        .to.be.revertedWithCustomError(aggregator, "AlreadyParticipant")
        .withArgs(2, alice.address);
      const many = Array.from({ length: 3 }, () => ethers.Wallet.createRandom().address);
      await expect(aggregator.createTask(taskConfig({ minCohort: 2, maxCohort: 2 }), many))
        .to.be.revertedWithCustomError(aggregator, "CohortTooLarge")
        .withArgs(2, 2);
    });
  });

  describe("owner-only functions", function () {
    it("refuse any other caller", async function () {
      for (const call of [
        () => aggregator.connect(mallory).openRound(taskId, MODEL_HASH),
        () => aggregator.connect(mallory).addParticipants(taskId, [mallory.address]),
        () => aggregator.connect(alice).removeParticipants(taskId, [bob.address]),
      ]) {
        await expect(call()).to.be.revertedWithCustomError(aggregator, "NotTaskOwner").withArgs(taskId, anyCaller);
      }
    });

    it("report an unknown task id", async function () {
      await expect(aggregator.openRound(999, MODEL_HASH))
        .to.be.revertedWithCustomError(aggregator, "UnknownTask")
        .withArgs(999);
      await expect(aggregator.getTask(0)).to.be.revertedWithCustomError(aggregator, "UnknownTask").withArgs(0);
    });
  });

  describe("rounds", function () {
    it("round 1 must start from the committed initial model", async function () {
      await expect(aggregator.openRound(taskId, ethers.id("other")))
        .to.be.revertedWithCustomError(aggregator, "InitialModelMismatch")
        .withArgs(MODEL_HASH, ethers.id("other"));
    });

    it("cannot open while the previous round is pending, nor beyond the task's rounds", async function () {
      await open();
      await expect(open())
        .to.be.revertedWithCustomError(aggregator, "PreviousRoundPending")
        .withArgs(taskId, 1, RoundState.Open);
      const { taskId: single } = await createTask(aggregator, owner, [alice.address, bob.address], { rounds: 1 });
      await aggregator.openRound(single, MODEL_HASH);
      await time.increase(3601);
      await aggregator.closeRound(single, 1); // nobody submitted: Failed
      await expect(aggregator.openRound(single, MODEL_HASH))
        .to.be.revertedWithCustomError(aggregator, "NoRoundsLeft")
        .withArgs(single, 1);
    });

    it("cannot open with fewer participants than the minimum cohort", async function () {
      await aggregator.removeParticipants(taskId, [bob.address, carol.address]);
      await expect(open()).to.be.revertedWithCustomError(aggregator, "CohortTooSmall").withArgs(taskId, 1, 2);
    });

    it("cannot be closed early without quorum, except by the deadline", async function () {
      await open();
      await submitDelta(aggregator, alice, taskId, 1, randomDelta(layout.paramCount, 1, 0.1), layout);
      await expect(aggregator.connect(owner).closeRound(taskId, 1)).to.be.revertedWithCustomError(
        aggregator,
        "RoundNotClosable",
      );
      await submitDelta(aggregator, bob, taskId, 1, randomDelta(layout.paramCount, 2, 0.1), layout);
      // Quorum reached (2 of 3): only the owner may close before the deadline.
      await expect(aggregator.connect(alice).closeRound(taskId, 1)).to.be.revertedWithCustomError(
        aggregator,
        "RoundNotClosable",
      );
      await expect(aggregator.connect(owner).closeRound(taskId, 1))
        .to.emit(aggregator, "RoundClosed")
        .withArgs(taskId, 1, RoundState.Closed, layout.chunkCount);
    });

    it("fails a round whose chunks lack quorum at the deadline, and never reveals it", async function () {
      await open();
      await submitDelta(aggregator, alice, taskId, 1, randomDelta(layout.paramCount, 1, 0.1), layout);
      await expect(aggregator.connect(alice).revealRound(taskId, 1))
        .to.be.revertedWithCustomError(aggregator, "RoundNotClosed")
        .withArgs(taskId, 1, RoundState.Open);
      await time.increase(3601);
      await expect(aggregator.connect(mallory).closeRound(taskId, 1))
        .to.emit(aggregator, "RoundClosed")
        .withArgs(taskId, 1, RoundState.Failed, 0);
      await expect(aggregator.connect(owner).revealRound(taskId, 1))
        .to.be.revertedWithCustomError(aggregator, "RoundNotClosed")
        .withArgs(taskId, 1, RoundState.Failed);
      await expect(aggregator.connect(alice).allowAggregate(taskId, 1, 0, 1))
        .to.be.revertedWithCustomError(aggregator, "RoundNotRevealed")
        .withArgs(taskId, 1, RoundState.Failed);
      // The task moves on from the same global model.
      await expect(aggregator.openRound(taskId, MODEL_HASH)).to.emit(aggregator, "RoundOpened");
    });

    it("reveals exactly once, only by the owner or a round participant", async function () {
      await open();
      for (const p of [alice, bob, carol]) {
        await submitDelta(aggregator, p, taskId, 1, randomDelta(layout.paramCount, 5, 0.1), layout);
      }
      await aggregator.closeRound(taskId, 1);
      await expect(aggregator.connect(mallory).revealRound(taskId, 1))
        .to.be.revertedWithCustomError(aggregator, "NotEligible")
        .withArgs(taskId, 1, mallory.address);
      await aggregator.connect(carol).revealRound(taskId, 1);
      await expect(aggregator.connect(owner).revealRound(taskId, 1))
        .to.be.revertedWithCustomError(aggregator, "RoundNotClosed")
        .withArgs(taskId, 1, RoundState.Revealed);
    });
  });

  describe("submissions", function () {
    beforeEach(async function () {
      await open();
    });

    it("refuse a non-participant", async function () {
      const enc = await chunk0(mallory);
      await expect(aggregator.connect(mallory).submitChunk(taskId, 1, 0, enc.handles, enc.proofs))
        .to.be.revertedWithCustomError(aggregator, "NotEligible")
        .withArgs(taskId, 1, mallory.address);
    });

    it("refuse a wrong task or a round that is not the current one", async function () {
      const enc = await chunk0(alice);
      await expect(aggregator.connect(alice).submitChunk(taskId + 7n, 1, 0, enc.handles, enc.proofs))
        .to.be.revertedWithCustomError(aggregator, "UnknownTask")
        .withArgs(taskId + 7n);
      await expect(aggregator.connect(alice).submitChunk(taskId, 2, 0, enc.handles, enc.proofs))
        .to.be.revertedWithCustomError(aggregator, "NotCurrentRound")
        .withArgs(taskId, 1, 2);
    });

    it("refuse a closed round and a passed deadline", async function () {
      const enc = await chunk0(alice);
      await time.increase(3601);
      await expect(
        aggregator.connect(alice).submitChunk(taskId, 1, 0, enc.handles, enc.proofs),
      ).to.be.revertedWithCustomError(aggregator, "SubmissionDeadlinePassed");
      await aggregator.closeRound(taskId, 1);
      await expect(aggregator.connect(alice).submitChunk(taskId, 1, 0, enc.handles, enc.proofs))
        .to.be.revertedWithCustomError(aggregator, "RoundNotOpen")
        .withArgs(taskId, 1, RoundState.Failed);
    });

    it("refuse the same chunk twice (no double counting)", async function () {
      const first = await chunk0(alice);
      await aggregator.connect(alice).submitChunk(taskId, 1, 0, first.handles, first.proofs);
      const again = await chunk0(alice);
      await expect(aggregator.connect(alice).submitChunk(taskId, 1, 0, again.handles, again.proofs))
        .to.be.revertedWithCustomError(aggregator, "ChunkAlreadySubmitted")
        .withArgs(taskId, 1, 0, alice.address);
      expect((await aggregator.chunkContributors(taskId, 1))[0]).to.equal(1);
    });

    it("refuse a proof made for another sender", async function () {
      const stolen = await chunk0(bob); // bob's ciphertexts, replayed by alice
      await expect(
        aggregator.connect(alice).submitChunk(taskId, 1, 0, stolen.handles, stolen.proofs),
      ).to.be.revertedWithCustomError(...fhevm.revertedWithCustomErrorArgs("InputVerifier", "InvalidSigner"));
    });

    it("refuse a proof made for another contract", async function () {
      const { address: other } = await deployAggregator();
      const enc = await chunk0(alice, alice.address, other);
      await expect(
        aggregator.connect(alice).submitChunk(taskId, 1, 0, enc.handles, enc.proofs),
      ).to.be.revertedWithCustomError(...fhevm.revertedWithCustomErrorArgs("InputVerifier", "InvalidSigner"));
    });

    it("refuse malformed chunks: index, word count, proof count, empty proof", async function () {
      const enc = await chunk0(alice);
      await expect(aggregator.connect(alice).submitChunk(taskId, 1, layout.chunkCount, enc.handles, enc.proofs))
        .to.be.revertedWithCustomError(aggregator, "ChunkOutOfRange")
        .withArgs(layout.chunkCount, layout.chunkCount);
      await expect(aggregator.connect(alice).submitChunk(taskId, 1, 0, enc.handles.slice(1), enc.proofs))
        .to.be.revertedWithCustomError(aggregator, "WrongWordCount")
        .withArgs(0, layout.wordsPerChunk, layout.wordsPerChunk - 1);
      await expect(aggregator.connect(alice).submitChunk(taskId, 1, 0, enc.handles, [...enc.proofs, enc.proofs[0]]))
        .to.be.revertedWithCustomError(aggregator, "WrongProofCount")
        .withArgs(1, 2);
      // An empty proof would let a caller pass handles it is merely ACL-allowed on (e.g. an old aggregate).
      await expect(aggregator.connect(alice).submitChunk(taskId, 1, 0, enc.handles, ["0x"]))
        .to.be.revertedWithCustomError(aggregator, "EmptyInputProof")
        .withArgs(0);
    });

    it("apply allowlist changes from the next round only", async function () {
      await aggregator.removeParticipants(taskId, [carol.address]);
      await aggregator.addParticipants(taskId, [mallory.address]);
      expect(await aggregator.isEligible(taskId, 1, carol.address)).to.equal(true);
      expect(await aggregator.isEligible(taskId, 1, mallory.address)).to.equal(false);
      expect(await aggregator.isEligible(taskId, 2, carol.address)).to.equal(false);
      expect(await aggregator.isEligible(taskId, 2, mallory.address)).to.equal(true);
      const enc = await chunk0(mallory);
      await expect(aggregator.connect(mallory).submitChunk(taskId, 1, 0, enc.handles, enc.proofs))
        .to.be.revertedWithCustomError(aggregator, "NotEligible")
        .withArgs(taskId, 1, mallory.address);
      await submitDelta(aggregator, carol, taskId, 1, randomDelta(layout.paramCount, 9, 0.1), layout);
      await expect(aggregator.removeParticipants(taskId, [carol.address]))
        .to.be.revertedWithCustomError(aggregator, "NotParticipant")
        .withArgs(taskId, carol.address);
    });
  });

  describe("decryption access", function () {
    beforeEach(async function () {
      await open();
      for (const p of [alice, bob]) {
        await submitDelta(aggregator, p, taskId, 1, randomDelta(layout.paramCount, 11, 0.1), layout);
      }
      await aggregator.closeRound(taskId, 1);
    });

    it("grants nothing before reveal and nothing to outsiders after it", async function () {
      await expect(aggregator.connect(alice).allowAggregate(taskId, 1, 0, 1))
        .to.be.revertedWithCustomError(aggregator, "RoundNotRevealed")
        .withArgs(taskId, 1, RoundState.Closed);
      await aggregator.revealRound(taskId, 1);
      await expect(aggregator.connect(mallory).allowAggregate(taskId, 1, 0, 1))
        .to.be.revertedWithCustomError(aggregator, "NotEligible")
        .withArgs(taskId, 1, mallory.address);
      await expect(aggregator.connect(alice).allowAggregate(taskId, 1, layout.wordCount - 1, 2))
        .to.be.revertedWithCustomError(aggregator, "WordRangeOutOfBounds")
        .withArgs(layout.wordCount - 1, 2, layout.wordCount);
    });

    it("refuses publishing clear values under the PARTICIPANTS policy", async function () {
      await aggregator.revealRound(taskId, 1);
      await expect(aggregator.publishClearAggregate(taskId, 1, 0, "0x", "0x"))
        .to.be.revertedWithCustomError(aggregator, "WrongPolicy")
        .withArgs(Policy.Participants);
    });
  });
});

/** chai matcher predicate: any caller address (the revert argument is checked elsewhere). */
function anyCaller(value: string): boolean {
  return ethers.isAddress(value);
}
