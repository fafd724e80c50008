import { readFileSync } from "node:fs";
import { task, types } from "hardhat/config";
import { flContext, guarded, type FlContext } from "./context";

interface CreateArgs {
  spec?: string;
  dataset: string;
  model: string;
  hidden?: string;
  seed: number;
  valueBits: number;
  clip: number;
  wordsPerChunk?: number;
  sampleCap: number;
  minCohort: number;
  maxCohort: number;
  rounds: number;
  duration: number;
  policy: string;
  participants: string;
  account?: string;
  json: boolean;
}

/** Accepts addresses or, on a devnet, account indices ("1,2,3"). */
async function resolveAddresses(ctx: FlContext, list: string): Promise<string[]> {
  const items = list
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  return Promise.all(
    items.map(async (item) => (/^\d+$/.test(item) ? (await ctx.provider.getSigner(Number(item))).getAddress() : item)),
  );
}

task("fl:create-task", "Create a training task (from flags or a JSON spec); prints the task id")
  .addOptionalParam("spec", "JSON file with any of this task's parameters (flags not given on the command line)")
  .addOptionalParam("dataset", "dataset the model is for (sets input shape and classes)", "breast-cancer")
  .addOptionalParam("model", "logreg, mlp or cnn", "logreg")
  .addOptionalParam("hidden", "mlp/cnn hidden sizes, comma-separated")
  .addOptionalParam("seed", "initialisation seed", 1, types.int)
  .addOptionalParam("valueBits", "quantization bits per value", 16, types.int)
  .addOptionalParam("clip", "clip bound of a delta coordinate", 1, types.float)
  .addOptionalParam("wordsPerChunk", "words per submission transaction (default: the planner's)", undefined, types.int)
  .addOptionalParam("sampleCap", "FedAvg sample cap (0 = unweighted)", 0, types.int)
  .addOptionalParam("minCohort", "minimum contributors per chunk to reveal", 2, types.int)
  .addOptionalParam("maxCohort", "maximum participants per round", 16, types.int)
  .addOptionalParam("rounds", "number of rounds", 3, types.int)
  .addOptionalParam("duration", "round duration in seconds", 3600, types.int)
  .addOptionalParam("policy", "participants or public", "participants")
  .addOptionalParam("participants", "comma-separated addresses (or devnet account indices)", "")
  .addOptionalParam("account", "owner: 0x key, keystore file or devnet account index")
  .addFlag("json", "print JSON")
  .setAction(
    guarded(async (cli: CreateArgs, hre) => {
      const args: CreateArgs = cli.spec ? { ...cli, ...JSON.parse(readFileSync(cli.spec, "utf8")) } : cli;
      if (!["participants", "public"].includes(args.policy)) throw new Error("--policy must be participants or public");
      const ctx = await flContext(hre, args);
      const { loadDataset } = await import("../../client/src/ml/registry");
      const { initBackend } = await import("../../client/src/ml/backend");
      const { buildModel, getFlatWeights, initialiseWeights } = await import("../../client/src/ml/models");
      const { chooseCodec, planSubmission } = await import("../../client/src/codec");
      const { createTrainingTask, Policy } = await import("../../client/src/chain/owner");
      const { modelCommitment, specToUri } = await import("../../client/src/node/model");
      await initBackend(undefined, () => {});
      const data = loadDataset(args.dataset, { seed: args.seed }).train;
      const spec = {
        kind: args.model as "logreg" | "mlp" | "cnn",
        inputShape: data.featureShape,
        numClasses: data.numClasses,
        seed: args.seed,
        ...(args.hidden ? { hidden: String(args.hidden).split(",").map(Number) } : {}),
      };
      const model = buildModel(spec);
      initialiseWeights(model, spec.seed);
      const weights = getFlatWeights(model);
      model.dispose();
      const codec = {
        ...chooseCodec({
          paramCount: weights.length,
          maxCohort: args.maxCohort,
          valueBits: args.valueBits,
          clip: args.clip,
        }),
        sampleCap: args.sampleCap,
        ...(args.wordsPerChunk ? { wordsPerChunk: args.wordsPerChunk } : {}),
      };
      const plan = planSubmission(codec, args.maxCohort);
      const taskId = await createTrainingTask(ctx.aggregator, {
        modelHash: modelCommitment(spec, weights),
        modelURI: specToUri(spec),
        codec,
        participants: await resolveAddresses(ctx, args.participants),
        minCohort: args.minCohort,
        maxCohort: args.maxCohort,
        rounds: args.rounds,
        roundDuration: args.duration,
        policy: args.policy === "public" ? Policy.Public : Policy.Participants,
      });
      ctx.print(
        `task ${taskId}: ${spec.kind} for ${args.dataset}, ${weights.length} parameters, ` +
          `${plan.layout.chunkCount} transaction(s) per participant per round (~${plan.gasPerParticipant} gas, ` +
          `${plan.hcuPerParticipant} HCU)`,
        { taskId: String(taskId), parameters: weights.length, txPerParticipant: plan.txPerParticipant },
      );
    }),
  );

task("fl:participants", "Add, remove or list a task's participants (changes apply from the next round)")
  .addParam("task", "task id", undefined, types.int)
  .addPositionalParam("action", "add, remove or list", "list")
  .addOptionalParam("accounts", "comma-separated addresses (or devnet account indices)", "")
  .addOptionalParam("account", "owner: 0x key, keystore file or devnet account index")
  .addFlag("json", "print JSON")
  .setAction(
    guarded(async (args: { task: number; action: string; accounts: string; account?: string; json: boolean }, hre) => {
      const ctx = await flContext(hre, args);
      if (args.action === "add" || args.action === "remove") {
        const accounts = await resolveAddresses(ctx, args.accounts);
        if (accounts.length === 0) throw new Error("--accounts is empty");
        const call = args.action === "add" ? ctx.aggregator.addParticipants : ctx.aggregator.removeParticipants;
        await (await call(args.task, accounts)).wait();
        ctx.print(`${args.action === "add" ? "added" : "removed"} ${accounts.join(", ")} (from the next round)`, {
          action: args.action,
          accounts,
        });
      } else if (args.action === "list") {
        const [accounts, joins, leaves] = await ctx.aggregator.getParticipants(args.task);
        const rows = accounts.map((a, i) => ({
          account: a,
          joinRound: Number(joins[i]),
          leaveRound: Number(leaves[i]),
        }));
        ctx.print(
          rows
            .map((r) => `${r.account}  rounds ${r.joinRound || "-"}..${r.leaveRound ? r.leaveRound - 1 : "end"}`)
            .join("\n") || "no participants",
          rows,
        );
      } else {
        throw new Error(`unknown action "${args.action}": use add, remove or list`);
      }
    }),
  );

const STATE_NAMES = ["none", "open", "closed", "failed", "revealed"];

task("fl:status", "Show a task: configuration, rounds, contributors per chunk, gas and HCU spent")
  .addParam("task", "task id", undefined, types.int)
  .addFlag("json", "print JSON")
  .setAction(
    guarded(async (args: { task: number; json: boolean }, hre) => {
      const ctx = await flContext(hre, args);
      const { costsByRound } = await import("../../client/src/chain/costs");
      const { layoutFromTask } = await import("../../client/src/chain/task");
      const t = await ctx.aggregator.getTask(args.task);
      const layout = layoutFromTask(t);
      const costs = await costsByRound(
        ctx.provider,
        await ctx.aggregator.getAddress(),
        BigInt(args.task),
        ctx.deploymentBlock,
        await ctx.provider.getBlockNumber(),
        ctx.fhevm.hcuOf,
      );
      const rounds = [];
      for (let r = 1; r <= Number(t.currentRound); r++) {
        const info = await ctx.aggregator.getRound(args.task, r);
        const contributors = (await ctx.aggregator.chunkContributors(args.task, r)).map(Number);
        rounds.push({
          round: r,
          state: STATE_NAMES[Number(info.state)],
          deadline: new Date(Number(info.deadline) * 1000).toISOString(),
          eligible: Number(info.eligible),
          completed: Number(info.completed),
          contributors,
          ...(costs.get(r) ?? { gasUsed: 0, hcuUsed: 0, txs: 0 }),
        });
      }
      const summary = {
        taskId: args.task,
        owner: t.owner,
        parameters: layout.paramCount,
        codec: {
          valueBits: layout.valueBits,
          laneBits: layout.laneBits,
          lanesPerWord: layout.lanesPerWord,
          chunks: layout.chunkCount,
        },
        minCohort: Number(t.config.minCohort),
        maxCohort: Number(t.config.maxCohort),
        rounds: Number(t.config.rounds),
        policy: Number(t.config.policy) === 1 ? "public" : "participants",
        participantsNextRound: Number(t.participantsNextRound),
        currentRound: Number(t.currentRound),
        history: rounds,
      };
      const text = [
        `task ${args.task} (owner ${t.owner}): ${layout.paramCount} parameters, ${layout.chunkCount} chunk(s), ` +
          `${summary.policy} policy, round ${summary.currentRound} of ${summary.rounds}, K=${summary.minCohort}`,
        ...rounds.map(
          (r) =>
            `  round ${r.round}: ${r.state}, ${r.completed}/${r.eligible} done, contributors per chunk [${r.contributors.join(",")}], ` +
            `${r.txs} txs, ${r.gasUsed} gas, ${r.hcuUsed} HCU`,
        ),
      ].join("\n");
      ctx.print(text, summary);
    }),
  );
