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
import type { EncodingArtifacts } from "../../../client/src/node/encoding";
import { modelCommitment, type ModelSpec } from "../../../client/src/protocol/modelSpec";
import { Policy } from "../../../client/src/protocol/vocabulary";
import { aggregatorAt, type TaskSnapshot } from "../chain";
import { decodeRound, tracksModelChange } from "../decryption/decode";
import { grantStep, userDecryptStep, type DecryptedAggregate, type GetSigner } from "../decryption/flows";
import { readHandles } from "../decryption/handles";
import { grantedRanges } from "../decryption/ranges";
import type { Deployment } from "../deployment";
import { fhevmConnection } from "../fhe";
import { shortHash } from "../format";
import type { Flow, StepReporter } from "../progress";
import { applyPlan, planRebuild, type RebuildPlan, type RoundAverage, type Step } from "./rebuild";
import { readVerified, saveModel, type GlobalModel, type ModelStore } from "./store";
import { initialWeights } from "./tfjs";
import { parseNodeModelFile } from "./files";
import { encodingArtifacts } from "./inputBasis";

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

/** What the page says when the account's first round's committed model (or, lowrank, the one before it) is missing. */
export function needsModelMessage(needs: NonNullable<RebuildPlan["needsModel"]>): string {
  if (needs.afterRound === 0) {
    return (
      `this task starts from published weights, not from its spec's seed: load its initial model file ` +
      `(${shortHash(needs.commitment ?? "")}: the owner's .flufhe/models/<commitment>.json or a participant's ` +
      `"Download the model file for nodes") here; it is checked against the commitment`
    );
  }
  if (needs.previous) return needsPreviousMessage(needs.afterRound, needs.commitment ?? "");
  return needs.commitment
    ? `this account took no part in round ${needs.afterRound} and may not decrypt it, so the rebuild starts from ` +
        `the model round ${needs.afterRound + 1} opened with (${shortHash(needs.commitment)}): load that model file ` +
        `(the owner's or a participant's "Download the model file for nodes") here; it is checked against the commitment`
    : `this account took no part in round ${needs.afterRound} and may not decrypt it: the page can rebuild the ` +
        `model once round ${needs.afterRound + 1} opens (its commitment names the model to load)`;
}

/**
 * A late joiner of a low-rank task holds the model its first round opened with (after round
 * `afterRound + 1`), but that round is decoded and trained with the change from the model round
 * `afterRound + 1` opened with, which it may not rebuild either.
 */
function needsPreviousMessage(afterRound: number, commitment: string): string {
  const [skipped, first] = [afterRound + 1, afterRound + 2];
  return (
    `this account took no part in round ${skipped} and may not decrypt it, and this task's low-rank encoding ` +
    `decodes and trains round ${first} with the change between the models rounds ${skipped} and ${first} opened ` +
    `with: load the model file of round ${skipped} too (${shortHash(commitment)}, the owner's or a participant's ` +
    `"Download the model file for nodes"), or run the node with --models <dir|url> holding both models`
  );
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

const afterName = (round: number) => (round === 0 ? "creation" : `round ${round}`);

/** The first step's label: the starting model, and a tracking encoding's model before it. */
function startLabel(plan: RebuildPlan): string {
  if (plan.buildInitial) return "Build the initial model from the task's spec (TensorFlow.js, seeded)";
  if (!plan.previous) return `Read the model after ${afterName(plan.from)} from this browser`;
  if (plan.previous.build) {
    return `Read the model after ${afterName(plan.from)} from this browser and build the initial model (TensorFlow.js, seeded)`;
  }
  return `Read the models after ${afterName(plan.previous.afterRound)} and ${afterName(plan.from)} from this browser`;
}

/** Labels of the rebuild's steps for this plan (the flow's first step is always the starting model). */
export function rebuildLabels(plan: RebuildPlan, rounds: number[], policy: number): string[] {
  const labels = [startLabel(plan)];
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

/** Throws unless the initial model built from the spec hashes to the task's commitment. */
function checkInitial(ctx: RebuildContext, weights: Float32Array): void {
  if (modelCommitment(ctx.spec, weights) !== ctx.task.modelHash) {
    throw new Error(
      "the model built from the task's spec does not hash to the task's commitment: the task was created from other weights",
    );
  }
}

/** The initial model built from the spec, checked against the task's commitment. */
async function builtInitial(ctx: RebuildContext): Promise<Float32Array> {
  const weights = await (ctx.buildInitial ?? initialWeights)(ctx.spec);
  checkInitial(ctx, weights);
  return weights;
}

/** A model the plan reads from the store (planFromStore verified it just before). */
async function storedModel(ctx: RebuildContext, commitment: string): Promise<Float32Array> {
  const weights = await readVerified(ctx.store, commitment, ctx.spec);
  if (!weights) throw new Error("the stored model changed meanwhile: reload the page");
  return weights;
}

/** The starting model (built but not yet checked when the plan builds it) and, for a tracking encoding, the one before. */
async function startingModels(
  ctx: RebuildContext,
  plan: RebuildPlan,
): Promise<{ start: Float32Array; previous?: Float32Array }> {
  if (plan.needsModel) throw new Error(needsModelMessage(plan.needsModel));
  const start = plan.buildInitial
    ? await (ctx.buildInitial ?? initialWeights)(ctx.spec)
    : await storedModel(ctx, plan.fromCommitment);
  if (!plan.previous) return { start };
  const previous = plan.previous.build ? await builtInitial(ctx) : await storedModel(ctx, plan.previous.commitment);
  return { start, previous };
}

/**
 * Each revealed round's average, decoded when the rebuild reaches it, with the model the round opened
 * with and, for a tracking encoding (lowrank), the one the round before opened with.
 */
function roundAverages(
  ctx: RebuildContext,
  words: ReadonlyMap<number, readonly bigint[]>,
  d: number,
  artifacts: EncodingArtifacts,
): RoundAverage {
  const tracking = tracksModelChange(ctx.spec);
  return (round, opened) => {
    const sums = words.get(round);
    if (!sums) return undefined;
    const previous = tracking ? opened.previous : undefined;
    return decodeRound(ctx.task, ctx.spec, d, round, sums, { current: opened.current, previous }, artifacts);
  };
}

/** Keeps the models a run built or computed (the initial model, the model before the start, every step). */
async function keepModels(
  ctx: RebuildContext,
  plan: RebuildPlan,
  built: { start: Float32Array; previous?: Float32Array },
  steps: Step[],
): Promise<void> {
  const initial = plan.buildInitial ? built.start : plan.previous?.build ? built.previous : undefined;
  if (initial) {
    const model = { commitment: ctx.task.modelHash, spec: ctx.spec, weights: initial, afterRound: 0 };
    await saveModel(ctx.store, ctx.taskKey, model, undefined);
  }
  for (const s of steps) await saveModel(ctx.store, ctx.taskKey, s.model, s.parent);
}

/** The rebuild of `plan` as a flow; resolves with the model the next round starts from. */
export function rebuildFlow(ctx: RebuildContext, plan: RebuildPlan, getSigner: GetSigner): Flow<GlobalModel> {
  const rounds = toDecrypt(plan, ctx.decrypted);
  const labels = rebuildLabels(plan, rounds, ctx.task.policy);
  return {
    labels,
    run: async (report) => {
      report(0, "active");
      const models = await startingModels(ctx, plan);
      // A pca task's rounds decode with its input basis: missing, the rebuild stops before any decryption.
      const artifacts = plan.decrypt.length > 0 ? await encodingArtifacts(ctx.spec, ctx.store) : {};
      const { start } = models;
      report(0, "done", shortHash(plan.fromCommitment));
      const words = new Map([...ctx.decrypted].map(([round, a]) => [round, a.words]));
      const fresh =
        rounds.length > 0
          ? await decryptRounds(ctx, getSigner, rounds, 1, report)
          : new Map<number, DecryptedAggregate>();
      for (const [round, aggregate] of fresh) words.set(round, aggregate.words);
      // Handed to the other panels only once the models are kept: a lowrank round decodes with them.
      try {
        const apply = labels.length - 2;
        report(apply, "active");
        if (plan.buildInitial) checkInitial(ctx, start);
        const averages = roundAverages(ctx, words, start.length, artifacts);
        const { model, steps } = applyPlan(ctx.task, ctx.spec, plan, start, averages, models.previous);
        report(apply, "done", shortHash(model.commitment));
        report(apply + 1, "active");
        await keepModels(ctx, plan, models, steps);
        report(apply + 1, "done", ctx.store.kind === "indexeddb" ? "IndexedDB" : "this visit only (no IndexedDB)");
        return model;
      } finally {
        for (const [round, aggregate] of fresh) ctx.keep?.(round, aggregate);
      }
    },
  };
}

/** The first of `commitments` whose stored model is missing or fails its check (readVerified deletes it). */
async function firstUnverified(store: ModelStore, spec: ModelSpec, commitments: string[]): Promise<string | undefined> {
  for (const c of commitments) if (!(await readVerified(store, c, spec))) return c;
  return undefined;
}

/** The models a plan reads from the store: its start unless built or missing, and a tracking encoding's model before it. */
function storedReads(plan: RebuildPlan): string[] {
  const startMissing = plan.needsModel !== undefined && !plan.needsModel.previous;
  return [
    ...(plan.buildInitial || startMissing ? [] : [plan.fromCommitment]),
    ...(plan.previous && !plan.previous.build ? [plan.previous.commitment] : []),
  ];
}

/**
 * The plan from what the store holds: optimistically trusts every model the task's lineage names, then
 * verifies only the one the plan starts from (and, for a tracking encoding, the one before it;
 * readVerified deletes a bad one) and plans again without it until they check out, so a visit hashes
 * one or two stored models, not all of them.
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
  const tracking = tracksModelChange(spec);
  for (;;) {
    const plan = planRebuild(task, lineage, candidates, mayDecrypt, tracking, spec.initialWeights === "published");
    const bad = await firstUnverified(store, spec, storedReads(plan));
    if (bad === undefined) return plan;
    candidates.delete(bad);
  }
}
