/**
 * The page's global-model rebuild as a step flow: start from the latest verified model this browser
 * keeps (or the spec's initial model), decrypt the revealed rounds after it (PARTICIPANTS: the missing
 * ACL grants, then ONE EIP-712 signature for all of them; PUBLIC: public decryption), decode, apply,
 * check against the chain's commitments, and keep every model on the way. No React here.
 */
import type { JsonRpcProvider } from "ethers";
import { missingRanges } from "../../../client/src/chain/aggregate";
import type { TaskEvent } from "../../../client/src/chain/events";
import { publicDecryptWords } from "../../../client/src/fhe/decrypt";
import { modelCommitment, type ModelSpec } from "../../../client/src/protocol/modelSpec";
import { Policy } from "../../../client/src/protocol/vocabulary";
import { aggregatorAt, type TaskSnapshot } from "../chain";
import { decodeRound } from "../decryption/decode";
import { grantStep, userDecryptStep, type DecryptedAggregate, type GetSigner } from "../decryption/flows";
import { readHandles } from "../decryption/handles";
import { grantedRanges } from "../decryption/ranges";
import type { Deployment } from "../deployment";
import { fhevmConnection } from "../fhe";
import { shortHash } from "../format";
import type { Flow, StepReporter } from "../progress";
import { applyPlan, planRebuild, type RebuildPlan } from "./rebuild";
import { readVerified, saveModel, type GlobalModel, type ModelStore } from "./store";
import { initialWeights } from "./tfjs";
import { parseNodeModelFile } from "./files";

export interface RebuildContext {
  deployment: Pick<Deployment, "chainId" | "aggregator">;
  provider: JsonRpcProvider;
  task: TaskSnapshot;
  spec: ModelSpec;
  events: readonly TaskEvent[];
  store: ModelStore;
  /** The task's key in the store (taskKey). */
  taskKey: string;
  /** Rounds this visit decrypted already (the decryption panel or an earlier rebuild): not decrypted again. */
  decrypted: ReadonlyMap<number, DecryptedAggregate>;
  /** Hears every round this rebuild decrypts, so the other panels need not decrypt it again. */
  keep?: (round: number, aggregate: DecryptedAggregate) => void;
  /** Builds the initial model (tfjs); injectable for tests. */
  buildInitial?: (spec: ModelSpec) => Promise<Float32Array>;
}

const list = (rounds: number[]) => (rounds.length === 1 ? `round ${rounds[0]}` : `rounds ${rounds.join(", ")}`);

/** What the page says when the account's first round's committed model is missing. */
export function needsModelMessage(needs: NonNullable<RebuildPlan["needsModel"]>): string {
  return needs.commitment
    ? `this account took no part in round ${needs.afterRound} and may not decrypt it, so the rebuild starts from ` +
        `the model round ${needs.afterRound + 1} opened with (${shortHash(needs.commitment)}): load that model file ` +
        `(the owner's or a participant's "Download the model file for nodes") here; it is checked against the commitment`
    : `this account took no part in round ${needs.afterRound} and may not decrypt it: the page can rebuild the ` +
        `model once round ${needs.afterRound + 1} opens (its commitment names the model to load)`;
}

/**
 * Keeps a model file the user loaded as the model the plan has to start from (a late joiner's first
 * round's committed model), after checking it hashes to exactly that commitment.
 */
export async function importStartingModel(
  store: ModelStore,
  key: string,
  needs: NonNullable<RebuildPlan["needsModel"]>,
  text: string,
  name: string,
): Promise<void> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(
      `${name} is not JSON: pick the model file ({spec, commitment, weights}) the owner or a participant downloaded`,
    );
  }
  const model = parseNodeModelFile(value, name);
  if (model.commitment !== needs.commitment) {
    throw new Error(
      `${name} holds the model ${shortHash(model.commitment)}, but round ${needs.afterRound + 1} opened with ` +
        `${needs.commitment ? shortHash(needs.commitment) : "(not yet)"}: pick that round's model file`,
    );
  }
  await saveModel(store, key, { ...model, afterRound: needs.afterRound }, undefined);
}

/** The rounds of the plan still to decrypt in this page. */
export function toDecrypt(plan: RebuildPlan, decrypted: ReadonlyMap<number, unknown>): number[] {
  return plan.decrypt.filter((r) => !decrypted.has(r));
}

/** Labels of the rebuild's steps for this plan (the flow's first step is always the starting model). */
export function rebuildLabels(plan: RebuildPlan, rounds: number[], policy: number): string[] {
  const labels = [
    plan.buildInitial
      ? "Build the initial model from the task's spec (TensorFlow.js, seeded)"
      : `Read the model after ${plan.from === 0 ? "creation" : `round ${plan.from}`} from this browser`,
  ];
  if (rounds.length > 0) {
    if (policy === Policy.Public) {
      labels.push(`Make ${list(rounds)} publicly decryptable`, `Public-decrypt ${list(rounds)} through the KMS`);
    } else {
      labels.push(
        `Grant this account access to ${list(rounds)}`,
        "Sign one EIP-712 user-decryption request",
        `Decrypt ${list(rounds)} through the KMS`,
      );
    }
  }
  labels.push(
    plan.target === plan.from
      ? "Check the model against the chain's commitment"
      : `Apply the averaged update(s) up to round ${plan.target} and check them against the chain`,
    "Keep the model(s) in this browser",
  );
  return labels;
}

/** The word ranges each round still misses (for `account`, or the public), from the task's events. */
function missingGrants(ctx: RebuildContext, rounds: number[], account?: string) {
  const { task } = ctx;
  return rounds.map((round) => ({
    round,
    ranges: missingRanges(task.layout.wordCount, grantedRanges(ctx.events, round, task.policy, account)),
  }));
}

/** Decrypts `rounds` (steps `step`..): their aggregates by round (under PUBLIC with the KMS proofs). */
async function decryptRounds(
  ctx: RebuildContext,
  getSigner: GetSigner,
  rounds: number[],
  step: number,
  report: StepReporter,
): Promise<Map<number, DecryptedAggregate>> {
  const { task } = ctx;
  const reader = aggregatorAt(ctx.deployment.aggregator, ctx.provider);
  const handlesOf = (round: number) => readHandles(reader, task.id, round, task.layout.wordCount);
  if (task.policy === Policy.Public) {
    await grantStep(ctx.deployment, getSigner, task.id, missingGrants(ctx, rounds), step, report);
    report(step + 1, "active");
    const { instance } = await fhevmConnection(ctx.deployment.chainId, ctx.provider);
    const out = new Map<number, DecryptedAggregate>();
    for (const round of rounds) {
      const publicBatches = await publicDecryptWords(instance, await handlesOf(round));
      out.set(round, { words: publicBatches.flatMap((b) => b.values), publicBatches });
    }
    report(step + 1, "done", `${rounds.length * task.layout.wordCount} word(s)`);
    return out;
  }
  if (!getSigner) throw new Error("connect the wallet of the task owner or a participant of these rounds first");
  const signer = await getSigner();
  const me = await signer.signer.getAddress();
  await grantStep(ctx.deployment, getSigner, task.id, missingGrants(ctx, rounds, me), step, report);
  const handles: string[] = [];
  for (const round of rounds) handles.push(...(await handlesOf(round)));
  const words = await userDecryptStep(ctx.deployment, ctx.provider, signer, handles, step + 1, report);
  const n = task.layout.wordCount;
  return new Map(rounds.map((round, i) => [round, { words: words.slice(i * n, (i + 1) * n) }]));
}

/** The rebuild of `plan` as a flow; resolves with the model the next round starts from. */
export function rebuildFlow(ctx: RebuildContext, plan: RebuildPlan, getSigner: GetSigner): Flow<GlobalModel> {
  const rounds = toDecrypt(plan, ctx.decrypted);
  const labels = rebuildLabels(plan, rounds, ctx.task.policy);
  return {
    labels,
    run: async (report) => {
      report(0, "active");
      if (plan.needsModel) throw new Error(needsModelMessage(plan.needsModel));
      let start: Float32Array | undefined;
      if (plan.buildInitial) {
        start = await (ctx.buildInitial ?? initialWeights)(ctx.spec);
      } else {
        start = await readVerified(ctx.store, plan.fromCommitment, ctx.spec);
        if (!start) throw new Error("the stored model changed meanwhile: reload the page");
      }
      report(0, "done", shortHash(plan.fromCommitment));
      const words = new Map([...ctx.decrypted].map(([round, a]) => [round, a.words]));
      if (rounds.length > 0) {
        for (const [round, aggregate] of await decryptRounds(ctx, getSigner, rounds, 1, report)) {
          words.set(round, aggregate.words);
          ctx.keep?.(round, aggregate);
        }
      }
      const apply = labels.length - 2;
      report(apply, "active");
      if (plan.buildInitial && modelCommitment(ctx.spec, start) !== ctx.task.modelHash) {
        throw new Error(
          "the model built from the task's spec does not hash to the task's commitment: the task was created from other weights",
        );
      }
      const averages = new Map(
        plan.decrypt.map((round) => [round, decodeRound(ctx.task, ctx.spec, start.length, round, words.get(round)!)]),
      );
      const { model, steps } = applyPlan(ctx.task, ctx.spec, plan, start, averages);
      report(apply, "done", shortHash(model.commitment));
      report(apply + 1, "active");
      if (plan.buildInitial) {
        await saveModel(
          ctx.store,
          ctx.taskKey,
          { commitment: ctx.task.modelHash, spec: ctx.spec, weights: start, afterRound: 0 },
          undefined,
        );
      }
      for (const s of steps) await saveModel(ctx.store, ctx.taskKey, s.model, s.parent);
      report(apply + 1, "done", ctx.store.kind === "indexeddb" ? "IndexedDB" : "this visit only (no IndexedDB)");
      return model;
    },
  };
}

/**
 * The plan from what the store holds: optimistically trusts every model the task's lineage names, then
 * verifies only the one the plan starts from (readVerified deletes a bad one) and plans again without it
 * until the start checks out, so a visit hashes one stored model, not all of them.
 */
export async function planFromStore(
  task: TaskSnapshot,
  spec: ModelSpec,
  store: ModelStore,
  key: string,
  mayDecrypt?: (round: number) => boolean,
): Promise<RebuildPlan> {
  const lineage = await store.lineage(key);
  const candidates = new Set([task.modelHash, ...lineage.map((r) => r.commitment)]);
  for (;;) {
    const plan = planRebuild(task, lineage, candidates, mayDecrypt);
    if (plan.buildInitial || plan.needsModel) return plan;
    if (await readVerified(store, plan.fromCommitment, spec)) return plan;
    candidates.delete(plan.fromCommitment);
  }
}
