import { expect } from "chai";
import { ethers, fhevm } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { Layout } from "../../client/src/codec";
import { membersFromChain } from "../../client/src/protocol/membership";
import type { FLuFHEAggregator } from "../../types";
import {
  MODEL_HASH,
  Policy,
  RoundState,
  createTask,
  decryptAggregate,
  deployAggregator,
  randomDelta,
  submitDelta,
} from "./fixtures";

const DURATION = 3600;

describe("FLuFHEAggregator: membership as history", function () {
  let owner: HardhatEthersSigner;
  let alice: HardhatEthersSigner;
  let bob: HardhatEthersSigner;
  let carol: HardhatEthersSigner;
  let dave: HardhatEthersSigner;
  let aggregator: FLuFHEAggregator;
  let taskId: bigint;
  let layout: Layout;

  before(function () {
    if (!fhevm.isMock) this.skip();
  });

  async function setup(policy: number = Policy.Participants, rounds = 5) {
    [owner, alice, bob, carol, dave] = await ethers.getSigners();
    ({ aggregator } = await deployAggregator());
    ({ taskId, layout } = await createTask(aggregator, owner, [alice.address, bob.address, carol.address], {
      rounds,
      policy,
      roundDuration: DURATION,
    }));
  }

  const history = async (account: string) => {
    const { accounts, histories } = await aggregator.getParticipants(taskId);
    return membersFromChain(accounts, histories).find((m) => m.account === account)?.history;
  };

  /** Opens the next round, lets `contributors` submit, closes and reveals it. */
  async function runRound(contributors: HardhatEthersSigner[]) {
    const round = Number((await aggregator.getTask(taskId)).currentRound) + 1;
    const info = round === 1 ? MODEL_HASH : ethers.id(`model after round ${round - 1}`);
    await (await aggregator.openRound(taskId, info)).wait();
    for (const [i, p] of contributors.entries()) {
      await submitDelta(aggregator, p, taskId, round, randomDelta(layout.paramCount, round * 10 + i, 0.1), layout);
    }
    await (await aggregator.closeRound(taskId, round)).wait();
    await (await aggregator.revealRound(taskId, round)).wait();
    return round;
  }

  /** Opens the next round and lets it fail at its deadline (nobody submits). */
  async function failRound() {
    const round = Number((await aggregator.getTask(taskId)).currentRound) + 1;
    await (await aggregator.openRound(taskId, round === 1 ? MODEL_HASH : ethers.id(`model ${round}`))).wait();
    await time.increase(DURATION + 1);
    await (await aggregator.closeRound(taskId, round)).wait();
    expect((await aggregator.getRound(taskId, round)).state).to.equal(RoundState.Failed);
    return round;
  }

  describe("rights to past rounds never change", function () {
    beforeEach(() => setup());

    it("keeps a removed-then-re-added participant's earlier rounds (the reported bug)", async function () {
      await (await aggregator.openRound(taskId, MODEL_HASH)).wait();
      await aggregator.removeParticipants(taskId, [carol.address]); // during round 1: leaves from round 2
      for (const p of [alice, bob, carol]) {
        await submitDelta(aggregator, p, taskId, 1, randomDelta(layout.paramCount, 1, 0.1), layout);
      }
      await aggregator.closeRound(taskId, 1);
      await aggregator.revealRound(taskId, 1);
      await (await aggregator.openRound(taskId, ethers.id("round 2"))).wait();
      await aggregator.addParticipants(taskId, [carol.address]); // during round 2: back from round 3

      expect(await aggregator.isEligible(taskId, 1, carol.address)).to.equal(true);
      expect(await aggregator.isEligible(taskId, 2, carol.address)).to.equal(false);
      expect(await aggregator.isEligible(taskId, 3, carol.address)).to.equal(true);
      expect(await history(carol.address)).to.deep.equal([
        { joinRound: 1, leaveRound: 2 },
        { joinRound: 3, leaveRound: 0 },
      ]);
      // Carol still reads the aggregate she contributed to.
      expect(await decryptAggregate(aggregator, carol, taskId, 1, layout)).to.have.length(layout.wordCount);
      await expect(aggregator.connect(carol).allowAggregate(taskId, 2, 0, 1)).to.be.revertedWithCustomError(
        aggregator,
        "RoundNotRevealed",
      );
    });

    it("a removal or re-add before the next round opens leaves no trace, and one row per account", async function () {
      await aggregator.removeParticipants(taskId, [carol.address]);
      expect(await history(carol.address)).to.deep.equal([]);
      await aggregator.addParticipants(taskId, [carol.address]);
      expect(await history(carol.address)).to.deep.equal([{ joinRound: 1, leaveRound: 0 }]);
      await runRound([alice, bob, carol]);
      await aggregator.removeParticipants(taskId, [carol.address]);
      await aggregator.addParticipants(taskId, [carol.address]); // removal had not taken effect: continues
      expect(await history(carol.address)).to.deep.equal([{ joinRound: 1, leaveRound: 0 }]);
      const { accounts } = await aggregator.getParticipants(taskId);
      expect(accounts).to.deep.equal([alice.address, bob.address, carol.address]);
    });

    it("a removal during a round keeps the round's cohort and its snapshot", async function () {
      await (await aggregator.openRound(taskId, MODEL_HASH)).wait();
      await aggregator.removeParticipants(taskId, [alice.address]);
      expect((await aggregator.getRound(taskId, 1)).eligible).to.equal(3);
      await submitDelta(aggregator, alice, taskId, 1, randomDelta(layout.paramCount, 2, 0.1), layout);
      expect(await aggregator.isEligible(taskId, 1, alice.address)).to.equal(true);
      expect((await aggregator.getTask(taskId)).participantsNextRound).to.equal(2);
    });
  });

  describe("late joiners", function () {
    it("PARTICIPANTS: a participant added for round 2 decrypts round 2 on, never round 1", async function () {
      await setup(Policy.Participants);
      await (await aggregator.openRound(taskId, MODEL_HASH)).wait();
      await aggregator.addParticipants(taskId, [dave.address]);
      expect(await aggregator.firstEligibleRound(taskId, dave.address, 1)).to.equal(2);
      for (const p of [alice, bob, carol]) {
        await submitDelta(aggregator, p, taskId, 1, randomDelta(layout.paramCount, 3, 0.1), layout);
      }
      await aggregator.closeRound(taskId, 1);
      await aggregator.revealRound(taskId, 1);
      await expect(aggregator.connect(dave).allowAggregate(taskId, 1, 0, 1))
        .to.be.revertedWithCustomError(aggregator, "NotEligible")
        .withArgs(taskId, 1, dave.address);
      const round = await runRound([alice, bob, dave]);
      expect(round).to.equal(2);
      expect(await decryptAggregate(aggregator, dave, taskId, 2, layout)).to.have.length(layout.wordCount);
      expect(await aggregator.firstEligibleRound(taskId, dave.address, 1)).to.equal(2);
      expect(await aggregator.firstEligibleRound(taskId, dave.address, 3)).to.equal(3);
      expect(await aggregator.firstEligibleRound(taskId, owner.address, 1)).to.equal(0);
    });

    it("PUBLIC: a late joiner submits from its first round; earlier aggregates are public anyway", async function () {
      await setup(Policy.Public);
      await aggregator.addParticipants(taskId, [dave.address]);
      await runRound([alice, bob, carol]);
      expect(await aggregator.isEligible(taskId, 1, dave.address)).to.equal(true);
      await aggregator.removeParticipants(taskId, [dave.address]);
      await runRound([alice, bob, carol]);
      await expect(submitDelta(aggregator, dave, taskId, 2, randomDelta(layout.paramCount, 5, 0.1), layout)).to.be
        .rejected;
      await aggregator.addParticipants(taskId, [dave.address]);
      await runRound([alice, dave, carol]);
      expect(await history(dave.address)).to.deep.equal([
        { joinRound: 1, leaveRound: 2 },
        { joinRound: 3, leaveRound: 0 },
      ]);
    });
  });

  describe("denials", function () {
    beforeEach(() => setup(Policy.Participants, 40));

    it("only the owner changes membership, an account is listed once per round, and removal needs a member", async function () {
      await expect(aggregator.connect(alice).addParticipants(taskId, [dave.address]))
        .to.be.revertedWithCustomError(aggregator, "NotTaskOwner")
        .withArgs(taskId, alice.address);
      await expect(aggregator.connect(alice).removeParticipants(taskId, [bob.address]))
        .to.be.revertedWithCustomError(aggregator, "NotTaskOwner")
        .withArgs(taskId, alice.address);
      await expect(aggregator.addParticipants(taskId, [dave.address, dave.address]))
        .to.be.revertedWithCustomError(aggregator, "AlreadyParticipant")
        .withArgs(taskId, dave.address);
      await expect(aggregator.removeParticipants(taskId, [dave.address]))
        .to.be.revertedWithCustomError(aggregator, "NotParticipant")
        .withArgs(taskId, dave.address);
      await expect(aggregator.addParticipants(9, [dave.address]))
        .to.be.revertedWithCustomError(aggregator, "UnknownTask")
        .withArgs(9);
      await expect(aggregator.firstEligibleRound(9, dave.address, 1))
        .to.be.revertedWithCustomError(aggregator, "UnknownTask")
        .withArgs(9);
    });

    it(`caps an account's history at MAX_MEMBERSHIP_INTERVALS join/leave cycles`, async function () {
      const max = Number(await aggregator.MAX_MEMBERSHIP_INTERVALS());
      expect(max).to.equal(16);
      for (let i = 0; i < max; i++) {
        await aggregator.addParticipants(taskId, [dave.address]);
        await failRound(); // dave listed for this round
        await aggregator.removeParticipants(taskId, [dave.address]);
        await failRound(); // and not for this one: the next add opens a new interval
      }
      expect(await history(dave.address)).to.have.length(max);
      await expect(aggregator.addParticipants(taskId, [dave.address]))
        .to.be.revertedWithCustomError(aggregator, "MembershipHistoryFull")
        .withArgs(taskId, dave.address);
      // Every interval still answers for its round.
      for (let round = 1; round <= 2 * max; round++) {
        expect(await aggregator.isEligible(taskId, round, dave.address)).to.equal(round % 2 === 1);
      }
    });
  });
});
