import { expect } from "chai";
import { ethers, fhevm } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { ContractTransactionReceipt } from "ethers";
import { decodeAggregate, quantStep } from "../../client/src/codec";
import { publicDecryptWords, userDecryptWords } from "../../client/src/fhe/decrypt";
import type { FLuFHEAggregator } from "../../types";
import {
  MODEL_HASH,
  Policy,
  clippedMean,
  createTask,
  decryptAggregate,
  deployAggregator,
  maxAbsDiff,
  randomDelta,
  submitDelta,
} from "./fixtures";
import type { Layout } from "../../client/src/codec";

/** Every ciphertext handle derived from one participant's submission: inputs and masked values. */
function individualHandles(receipts: ContractTransactionReceipt[]): string[] {
  const handles: string[] = [];
  for (const receipt of receipts) {
    for (const event of fhevm.parseCoprocessorEvents(receipt.logs)) {
      const args = event.args as { result?: string; lhs?: string; handle?: string };
      if (event.eventName === "FheBitAnd" && args.result && args.lhs) handles.push(args.lhs, args.result);
    }
  }
  return handles;
}

describe("FLuFHEAggregator: privacy invariants", function () {
  let owner: HardhatEthersSigner;
  let alice: HardhatEthersSigner;
  let bob: HardhatEthersSigner;
  let carol: HardhatEthersSigner;
  let mallory: HardhatEthersSigner;
  let aggregator: FLuFHEAggregator;
  let address: string;

  before(function () {
    if (!fhevm.isMock) this.skip();
  });

  beforeEach(async function () {
    [owner, alice, bob, carol, mallory] = await ethers.getSigners();
    ({ aggregator, address } = await deployAggregator());
  });

  async function everyRoleIsDenied(handles: string[], roles: HardhatEthersSigner[]) {
    for (const role of roles) {
      await expect(
        userDecryptWords(fhevm, role, address, handles),
        `user decryption by ${role.address}`,
      ).to.be.rejectedWith(/not authorized to user decrypt/);
    }
    await expect(publicDecryptWords(fhevm, handles), "public decryption").to.be.rejectedWith(
      /not allowed for public decryption/,
    );
  }

  async function runRound(policy: number): Promise<{
    taskId: bigint;
    layout: Layout;
    deltas: Float64Array[];
    receipts: ContractTransactionReceipt[][];
  }> {
    const { taskId, layout } = await createTask(aggregator, owner, [alice.address, bob.address, carol.address], {
      policy,
    });
    await aggregator.openRound(taskId, MODEL_HASH);
    const deltas = [alice, bob].map((_, i) => randomDelta(layout.paramCount, 40 + i, 0.3));
    const receipts = [
      await submitDelta(aggregator, alice, taskId, 1, deltas[0], layout),
      await submitDelta(aggregator, bob, taskId, 1, deltas[1], layout),
    ];
    return { taskId, layout, deltas, receipts };
  }

  it("never lets anyone decrypt an individual submission, before or after reveal", async function () {
    const { taskId, layout, receipts } = await runRound(Policy.Participants);
    const aliceHandles = individualHandles(receipts[0]);
    expect(aliceHandles.length).to.equal(2 * layout.wordCount);
    const roles = [owner, alice, bob, carol, mallory];
    await everyRoleIsDenied(aliceHandles.slice(0, 4), roles);
    await aggregator.closeRound(taskId, 1);
    await aggregator.revealRound(taskId, 1);
    for (const p of [alice, bob, owner]) await decryptAggregate(aggregator, p, taskId, 1, layout);
    await everyRoleIsDenied(aliceHandles.slice(0, 4), roles);
    await everyRoleIsDenied(aliceHandles.slice(-4), roles);
  });

  it("keeps the accumulator sealed before reveal, the owner included", async function () {
    const { taskId, layout } = await runRound(Policy.Participants);
    const handles = await aggregator.aggregateHandles(taskId, 1, 0, layout.wordCount);
    await everyRoleIsDenied(handles.slice(0, 8), [owner, alice, bob, carol, mallory]);
    await aggregator.closeRound(taskId, 1);
    await everyRoleIsDenied(handles.slice(0, 8), [owner, alice, bob, carol, mallory]);
  });

  it("PARTICIPANTS policy: after reveal exactly the round's participants and the owner can decrypt", async function () {
    const { taskId, layout, deltas } = await runRound(Policy.Participants);
    await aggregator.closeRound(taskId, 1);
    await aggregator.revealRound(taskId, 1);
    const expected = clippedMean(deltas, layout.clip);
    // carol was eligible but did not contribute: she still belongs to the audience.
    for (const reader of [owner, alice, bob, carol]) {
      const words = await decryptAggregate(aggregator, reader, taskId, 1, layout);
      const decoded = decodeAggregate(words, Array(layout.chunkCount).fill(2), layout);
      expect(maxAbsDiff(decoded, expected)).to.be.lessThanOrEqual(quantStep(layout.clip, layout.valueBits));
    }
    const handles = await aggregator.aggregateHandles(taskId, 1, 0, layout.wordCount);
    await everyRoleIsDenied(handles.slice(0, 8), [mallory]);
  });

  it("PUBLIC policy: anyone decrypts after reveal and the KMS-signed clear aggregate is verified on-chain", async function () {
    const { taskId, layout, deltas } = await runRound(Policy.Public);
    const handles = await aggregator.aggregateHandles(taskId, 1, 0, layout.wordCount);
    await aggregator.closeRound(taskId, 1);
    await expect(publicDecryptWords(fhevm, handles)).to.be.rejectedWith(/not allowed for public/); // closed, not yet revealed
    await aggregator.revealRound(taskId, 1);
    await aggregator.connect(mallory).allowAggregate(taskId, 1, 0, layout.wordCount);
    const batches = await publicDecryptWords(fhevm, handles);
    const words = batches.flatMap((b) => b.values);
    const decoded = decodeAggregate(words, Array(layout.chunkCount).fill(2), layout);
    expect(maxAbsDiff(decoded, clippedMean(deltas, layout.clip))).to.be.lessThanOrEqual(
      quantStep(layout.clip, layout.valueBits),
    );

    // A forged clear value does not verify.
    const forged = ethers.AbiCoder.defaultAbiCoder().encode(
      batches[0].values.map(() => "uint256"),
      batches[0].values.map((v, i) => (i === 0 ? v + 1n : v)),
    );
    await expect(
      aggregator.publishClearAggregate(taskId, 1, 0, forged, batches[0].decryptionProof),
    ).to.be.revertedWithCustomError(...fhevm.revertedWithCustomErrorArgs("KMSVerifier", "KMSInvalidSigner"));

    for (let b = 0; b < batches.length; b++) {
      await aggregator
        .connect(mallory)
        .publishClearAggregate(taskId, 1, b, batches[b].abiEncodedClearValues, batches[b].decryptionProof);
    }
    await expect(
      aggregator.publishClearAggregate(taskId, 1, 0, batches[0].abiEncodedClearValues, batches[0].decryptionProof),
    )
      .to.be.revertedWithCustomError(aggregator, "BatchAlreadyPublished")
      .withArgs(taskId, 1, 0);
    const batchHashes = batches.map((b) => ethers.keccak256(b.abiEncodedClearValues));
    expect(await aggregator.clearAggregateCommitment(taskId, 1)).to.equal(ethers.keccak256(ethers.concat(batchHashes)));
  });
});
