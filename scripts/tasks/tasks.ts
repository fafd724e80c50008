import { readFileSync } from "node:fs";
import { task } from "hardhat/config";
// Plain data, no contract types: safe to load with hardhat.config.ts before compilation.
import type { ModelKind } from "../../client/src/protocol/modelSpec";
import {
  TASK_DEFAULTS as D,
  defaultEncodingsText,
  encodedDefaultsText,
  newTaskEncoding,
} from "../../client/src/protocol/taskChoices";
import { PRIVACY_DEFAULTS, type DpFlags } from "../../client/src/protocol/privacy";
import { argTypes } from "./argTypes";
import { flContext, guarded, type FlContext } from "./context";

interface CreateArgs extends DpFlags {
  spec?: string;
  name?: string;
  description?: string;
  dataset?: string;
  labelColumn?: string;
  inputShape?: string;
  classes?: number;
  model: string;
  hidden?: string;
  seed: number;
  compress?: string;
  freeze?: number;
  initialWeights?: string;
  publicData?: string;
  modelDir?: string;
  valueBits?: number;
  clip?: number;
  wordsPerChunk?: number;
  sampleCap?: number;
  minCohort?: number;
  maxCohort?: number;
  rounds?: number;
  duration?: number;
  policy: string;
  participants: string;
  account?: string;
  json: boolean;
}

/** Accepts addresses or, on a devnet, account indices ("1,2,3"). */
async function resolveAddresses(ctx: FlContext, list: string): Promise<string[]> {
  const { isAddress, getAddress } = await import("ethers");
  const items = list
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  return Promise.all(
    items.map(async (item) => {
      if (/^\d+$/.test(item)) return (await ctx.provider.getSigner(Number(item))).getAddress();
      if (!isAddress(item))
        throw new Error(`"${item}" is not an address (0x and 40 hex digits) or a devnet account index`);
      return getAddress(item.toLowerCase());
    }),
  );
}

/** Flags merged over a JSON spec file (flags given on the command line win). */
function withSpecFile(cli: CreateArgs): CreateArgs {
  if (!cli.spec) return cli;
  let text: string;
  try {
    text = readFileSync(cli.spec, "utf8");
  } catch (error) {
    throw new Error(
      `--spec ${cli.spec}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`--spec ${cli.spec}: not valid JSON (${(error as Error).message})`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new Error(`--spec ${cli.spec}: expected a JSON object of this task's parameters`);
  }
  return {
    ...(parsed as Partial<CreateArgs>),
    ...Object.fromEntries(Object.entries(cli).filter(([, v]) => v !== undefined)),
  } as CreateArgs;
}

/** The model's input shape and classes: from --input-shape/--classes, else from the dataset (or CSV). */
/** The public records a pca encoding takes its basis from (--public-data), loaded only when it is asked for. */
async function publicSample(args: CreateArgs, encoding: { kind: string } | undefined) {
  if (args.publicData === undefined) return undefined;
  if (encoding?.kind !== "pca") {
    throw new Error(
      args.compress === undefined
        ? `--public-data is for the pca encoding of a logreg or mlp, not a ${args.model} task: leave it out`
        : `--public-data is for the pca encoding, and --compress ${args.compress} is another: leave one out`,
    );
  }
  const { loadDataset } = await import("../../client/src/ml/registry");
  return loadDataset(args.publicData, { seed: args.seed, labelColumn: args.labelColumn }).train;
}

async function modelShape(args: CreateArgs) {
  const { parseIntList } = await import("../../client/src/protocol/modelSpec");
  if (args.inputShape !== undefined || args.classes !== undefined) {
    if (args.inputShape === undefined || args.classes === undefined) {
      throw new Error("a model by shape needs both --input-shape (e.g. 30 or 28x28x1) and --classes");
    }
    if (args.dataset !== undefined) throw new Error("give either --dataset or --input-shape/--classes, not both");
    return { inputShape: parseIntList(String(args.inputShape)), numClasses: Number(args.classes), source: "shape" };
  }
  const dataset = args.dataset ?? "breast-cancer";
  const { loadDataset } = await import("../../client/src/ml/registry");
  const { initBackend } = await import("../../client/src/ml/backend");
  await initBackend(undefined, () => {});
  const data = loadDataset(dataset, { seed: args.seed, labelColumn: args.labelColumn }).train;
  return { inputShape: data.featureShape, numClasses: data.numClasses, classNames: data.labelNames, source: dataset };
}

task("fl:create-task", "Create a training task (from flags or a JSON spec); prints the task id")
  .addOptionalParam("spec", "JSON file with any of this task's parameters (flags on the command line win)")
  .addOptionalParam("name", "what the task is called in lists (part of its commitment)")
  .addOptionalParam("description", "a few sentences on what the model is for and what data it expects")
  .addOptionalParam("dataset", "dataset the model is for: a name or a CSV / IDX path (sets input shape and classes)")
  .addOptionalParam("labelColumn", "CSV: header of the label column")
  .addOptionalParam("inputShape", "model by shape, without data: input shape, e.g. 30 or 28x28x1")
  .addOptionalParam("classes", "model by shape: number of classes", undefined, argTypes.integer)
  .addOptionalParam("model", "logreg, mlp, cnn or lenet (LeNet-5, 61,706 parameters on 28x28x1)", "logreg")
  .addOptionalParam("hidden", "mlp/cnn hidden sizes, comma-separated")
  .addOptionalParam("seed", "initialisation seed", 1, argTypes.natural)
  .addOptionalParam(
    "compress",
    "update encoding: none (today's codec), stochastic, randk:<ratio>, hash:<ratio>, dct:<keep> (mlp/logreg on images), " +
      "pca:<keep> (mlp/logreg, with --public-data) or lowrank:<rank>[-random] (every weight matrix wider than 2 x rank; -random: random first-round factors); " +
      `default: ${defaultEncodingsText()}; compressed tasks default to ${encodedDefaultsText()}`,
  )
  .addOptionalParam(
    "initialWeights",
    "start from these weights instead of the seed's (a model file: JSON with a weights list, e.g. fl:decrypt's); " +
      "saved under --model-dir for participants to fetch (their --models)",
  )
  .addOptionalParam(
    "publicData",
    "pca: public records of the task's inputs (a dataset name or a CSV / IDX path with the participants' columns); " +
      "the basis comes from its training split and is saved under --model-dir for participants to fetch (their --models)",
  )
  .addOptionalParam(
    "modelDir",
    "where the initial model and a pca basis are saved for participants (default .flufhe/models)",
  )
  .addOptionalParam(
    "freeze",
    "partial training: the first n layers with weights (conv or dense) keep the initial values; only the rest is trained and sent",
    undefined,
    argTypes.count,
  )
  .addOptionalParam(
    "valueBits",
    `quantization bits per value (default ${D.valueBits}; compressed: see compress)`,
    undefined,
    argTypes.integer,
  )
  .addOptionalParam(
    "clip",
    `clip bound of a delta coordinate (default ${D.clip}; compressed: see compress)`,
    undefined,
    argTypes.number,
  )
  .addOptionalParam(
    "wordsPerChunk",
    "words per submission transaction (default: the planner's)",
    undefined,
    argTypes.integer,
  )
  .addOptionalParam(
    "sampleCap",
    `FedAvg sample cap (default ${D.sampleCap}; 0 = unweighted)`,
    undefined,
    argTypes.integer,
  )
  .addOptionalParam(
    "minCohort",
    `minimum contributors per chunk to reveal (default ${D.minCohort}; 2 lets the two read each other)`,
    undefined,
    argTypes.integer,
  )
  .addOptionalParam("maxCohort", `maximum participants per round (default ${D.maxCohort})`, undefined, argTypes.integer)
  .addOptionalParam("rounds", `number of rounds (default ${D.rounds})`, undefined, argTypes.integer)
  .addOptionalParam("duration", `round duration in seconds (default ${D.roundDuration})`, undefined, argTypes.integer)
  .addOptionalParam("policy", "participants or public", "participants")
  .addOptionalParam("participants", "comma-separated addresses (or devnet account indices)", "")
  .addOptionalParam("account", "owner: 0x key, keystore file or devnet account index")
  .addOptionalParam(
    "dpEpsilon",
    "differential privacy: epsilon the whole task may cost each participant's records (noise derived)",
    undefined,
    argTypes.positive,
  )
  .addOptionalParam(
    "dpNoise",
    "differential privacy: DP-SGD noise multiplier (epsilon reported)",
    undefined,
    argTypes.positive,
  )
  .addOptionalParam("dpDelta", `DP delta (default ${PRIVACY_DEFAULTS.delta})`, undefined, argTypes.positive)
  .addOptionalParam(
    "dpClip",
    `DP-SGD per-record gradient clip (default ${PRIVACY_DEFAULTS.clipNorm})`,
    undefined,
    argTypes.positive,
  )
  .addOptionalParam(
    "dpSampling",
    `DP-SGD Poisson sampling rate per step (default ${PRIVACY_DEFAULTS.samplingRate})`,
    undefined,
    argTypes.positive,
  )
  .addOptionalParam(
    "dpSteps",
    "DP-SGD steps per round (default: 1 / sampling, one expected epoch)",
    undefined,
    argTypes.count,
  )
  .addFlag("json", "print JSON")
  .setAction(
    guarded(async (cli: CreateArgs, hre) => {
      const args = withSpecFile(cli);
      const { parsePolicy } = await import("../../client/src/protocol/vocabulary");
      const { specFromChoices } = await import("../../client/src/protocol/modelSpec");
      const { describePrivacy, privacyFromFlags } = await import("../../client/src/protocol/privacy");
      // The kind is validated with the rest of the spec below; an unknown one has no default encoding.
      const kind = args.model as ModelKind;
      const { saveInputBasis } = await import("../../client/src/node/inputBasisFile");
      const { withPublicBasis } = await import("../../client/src/protocol/publicBasis");
      const compress = args.compress === undefined ? undefined : String(args.compress);
      const asked = newTaskEncoding(kind, compress, args.publicData !== undefined);
      const { planTask } = await import("../../client/src/node/planTask");
      const { OwnerSession } = await import("../../client/src/node/owner");
      const policy = parsePolicy(args.policy);
      const shape = await modelShape(args);
      const { readModelWeights, ModelDirectory, DEFAULT_MODEL_DIR } = await import("../../client/src/node/modelStore");
      const published = args.initialWeights ? readModelWeights(args.initialWeights) : undefined;
      const model = {
        name: args.name,
        description: args.description,
        kind: args.model,
        inputShape: shape.inputShape,
        numClasses: shape.numClasses,
        seed: args.seed,
        hidden: args.hidden === undefined ? undefined : String(args.hidden),
        classNames: shape.classNames,
      };
      const { encoding, inputBasis, retained, unfit } = withPublicBasis(asked, await publicSample(args, asked), {
        flag: "--public-data <dataset|file>",
        model: specFromChoices(model),
        valueBits: args.valueBits,
        byDefault: compress === undefined,
      });
      if (unfit) {
        console.error(
          `warning: no pca default for this model (${unfit}); the task takes its default without public records`,
        );
      }
      const spec = specFromChoices({
        ...model,
        encoding,
        privacy: privacyFromFlags(args, args.rounds ?? D.rounds),
        frozenLayers: args.freeze,
        initialWeights: args.initialWeights ? "published" : undefined,
      });
      const plan = planTask(
        spec,
        {
          valueBits: args.valueBits,
          clip: args.clip,
          wordsPerChunk: args.wordsPerChunk,
          sampleCap: args.sampleCap,
          minCohort: args.minCohort,
          maxCohort: args.maxCohort,
          rounds: args.rounds,
          roundDuration: args.duration,
          policy,
        },
        { published, inputBasis },
      );
      for (const warning of plan.warnings) console.error(`warning: ${warning}`);
      const models = new ModelDirectory(args.modelDir ?? DEFAULT_MODEL_DIR);
      // Saved before the task exists: a task whose basis nobody holds could not be trained.
      const basisFile = inputBasis ? saveInputBasis(models, inputBasis) : undefined;
      if (basisFile) {
        console.error(
          `pca input basis (${(retained! * 100).toFixed(1)}% of the public records' second moment) saved to ` +
            `${basisFile}: participants fetch it with --models <its folder>`,
        );
      }
      const ctx = await flContext(hre, args);
      const taskId = await OwnerSession.create(ctx.aggregator, plan, await resolveAddresses(ctx, args.participants));
      // Nobody can rebuild published weights from the spec: participants fetch them by commitment (--models).
      const modelFile = published
        ? models.save({
            spec,
            commitment: plan.modelHash,
            weights: Array.from(plan.weights),
            task: String(taskId),
            round: 0,
          })
        : undefined;
      if (modelFile)
        console.error(`initial model saved to ${modelFile}: participants fetch it with --models <its folder>`);
      const { plan: cost } = plan;
      const { describeClientCost } = await import("../../client/src/protocol/plan");
      const { describeFrozen, frozenParamCount } = await import("../../client/src/protocol/weightShapes");
      ctx.print(
        `task ${taskId}${spec.name ? ` "${spec.name}"` : ""}: ${spec.kind} for ${shape.source}, ${plan.paramCount} parameters` +
          (spec.encoding ? ` (${spec.encoding.kind} encoding: ${cost.layout.wordCount} words)` : "") +
          describeFrozen(spec) +
          ", " +
          `${cost.txPerParticipant} transaction(s) per participant per round (~${cost.gasPerParticipant} gas, ` +
          `${cost.hcuPerParticipant} HCU; ${describeClientCost(cost)}), K=${plan.minCohort}; ` +
          describePrivacy(spec.privacy),
        {
          taskId: String(taskId),
          name: spec.name ?? null,
          parameters: plan.paramCount,
          txPerParticipant: cost.txPerParticipant,
          wordsPerParticipant: cost.layout.wordCount,
          gasPerParticipant: cost.gasPerParticipant,
          hcuPerParticipant: cost.hcuPerParticipant,
          proofsPerParticipant: cost.proofsPerParticipant,
          clientProofSeconds: cost.clientProofSeconds,
          clientThreads: cost.clientThreads,
          clientProofSecondsAtThreads: cost.clientProofSecondsAtThreads,
          encoding: spec.encoding ?? { kind: "quant" },
          frozenLayers: spec.frozenLayers ?? 0,
          initialModelFile: modelFile ?? null,
          inputBasisFile: basisFile ?? null,
          frozenParameters: frozenParamCount(spec),
          minCohort: plan.minCohort,
          privacy: spec.privacy ?? null,
          warnings: plan.warnings,
        },
      );
    }),
  );

task("fl:participants", "Add, remove or list a task's participants (changes apply from the next round)")
  .addParam("task", "task id", undefined, argTypes.count)
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
        const { transact } = await import("../../client/src/chain/transact");
        const fn = args.action === "add" ? "addParticipants" : "removeParticipants";
        await transact(ctx.aggregator, { fn, taskId: args.task }, [args.task, accounts]);
        ctx.print(`${args.action === "add" ? "added" : "removed"} ${accounts.join(", ")} (from the next round)`, {
          action: args.action,
          accounts,
        });
      } else if (args.action === "list") {
        const { describeHistory, membersFromChain } = await import("../../client/src/protocol/membership");
        const { accounts, histories } = await ctx.aggregator.getParticipants(args.task);
        const members = membersFromChain(accounts, histories);
        ctx.print(
          members.map((m) => `${m.account}  ${describeHistory(m.history)}`).join("\n") || "no participants",
          members,
        );
      } else {
        throw new Error(`unknown action "${args.action}": use add, remove or list`);
      }
    }),
  );

task("fl:status", "Show a task: configuration, rounds, contributors per chunk, gas and HCU spent")
  .addParam("task", "task id", undefined, argTypes.count)
  .addFlag("json", "print JSON")
  .setAction(
    guarded(async (args: { task: number; json: boolean }, hre) => {
      const ctx = await flContext(hre, args);
      const { measureTaskCosts } = await import("../../client/src/chain/events");
      const { layoutFromTask } = await import("../../client/src/protocol/taskConfig");
      const { policyName, roundStateName } = await import("../../client/src/protocol/vocabulary");
      const { describePrivacy, privacyFromChain } = await import("../../client/src/protocol/privacy");
      const t = await ctx.aggregator.getTask(args.task);
      const privacy = privacyFromChain(t.config.privacy);
      const layout = layoutFromTask(t);
      const costs = await measureTaskCosts(
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
          state: roundStateName(info.state).toLowerCase(),
          deadline: new Date(Number(info.deadline) * 1000).toISOString(),
          eligible: Number(info.eligible),
          completed: Number(info.completed),
          contributors,
          gasUsed: costs.get(r)?.gas ?? 0,
          hcuUsed: costs.get(r)?.hcu ?? 0,
          txs: costs.get(r)?.txs ?? 0,
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
        policy: policyName(t.config.policy).toLowerCase(),
        privacy: privacy ?? null,
        participantsNextRound: Number(t.participantsNextRound),
        currentRound: Number(t.currentRound),
        history: rounds,
      };
      const text = [
        `task ${args.task} (owner ${t.owner}): ${layout.paramCount} parameters, ${layout.chunkCount} chunk(s), ` +
          `${summary.policy} policy, round ${summary.currentRound} of ${summary.rounds}, K=${summary.minCohort}`,
        `  privacy: ${describePrivacy(privacy)}`,
        ...rounds.map(
          (r) =>
            `  round ${r.round}: ${r.state}, ${r.completed}/${r.eligible} done, contributors per chunk [${r.contributors.join(",")}], ` +
            `${r.txs} txs, ${r.gasUsed} gas, ${r.hcuUsed} HCU`,
        ),
      ].join("\n");
      ctx.print(text, summary);
    }),
  );
