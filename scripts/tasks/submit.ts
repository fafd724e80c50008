import { task } from "hardhat/config";
import { ROUND_TRAINING } from "../../client/src/node/training";
import { argTypes } from "./argTypes";
import { flContext, guarded } from "./context";
import { openSession } from "./rounds";

interface SubmitArgs {
  task: number;
  account?: string;
  data: string;
  labelColumn?: string;
  client?: number;
  clients: number;
  partition: string;
  alpha: number;
  seed: number;
  epochs: number;
  batchSize: number;
  lr: number;
  state?: string;
  models?: string;
  privacyBudget?: number;
  privacyDelta?: number;
  privacyLedger?: string;
  encryptThreads?: number;
  json: boolean;
}

task("fl:submit", "Train on local data and submit one participant's encrypted update for the open round")
  .addParam("task", "task id", undefined, argTypes.count)
  .addOptionalParam("account", "participant: 0x key, keystore file or devnet account index")
  .addOptionalParam("data", "dataset name or CSV / IDX path", "breast-cancer")
  .addOptionalParam("labelColumn", "CSV: header of the label column")
  .addOptionalParam("client", "simulate participant i of --clients on a seeded partition", undefined, argTypes.natural)
  .addOptionalParam("clients", "number of simulated participants", 1, argTypes.count)
  .addOptionalParam("partition", "iid, dirichlet, shards or label", "iid")
  .addOptionalParam("alpha", "Dirichlet concentration", 0.5, argTypes.positive)
  .addOptionalParam("seed", "seed of split, partition and shuffling", 1, argTypes.natural)
  .addOptionalParam("epochs", "local epochs", ROUND_TRAINING.epochs, argTypes.count)
  .addOptionalParam("batchSize", "batch size", ROUND_TRAINING.batchSize, argTypes.count)
  .addOptionalParam("lr", "learning rate", ROUND_TRAINING.learningRate, argTypes.positive)
  .addOptionalParam("state", "resumable state file (default .flufhe/task-<id>-<account>.json)")
  .addOptionalParam(
    "models",
    "joined late: where to fetch the round's committed model (directories or URLs, comma-separated)",
  )
  .addOptionalParam(
    "privacyBudget",
    "the most this data may ever spend, over every task (rounds beyond it are refused)",
    undefined,
    argTypes.positive,
  )
  .addOptionalParam("privacyDelta", "the delta of --privacy-budget (default 1e-5)", undefined, argTypes.positive)
  .addOptionalParam("privacyLedger", "where the privacy ledger is kept (default ~/.flufhe/privacy)")
  .addOptionalParam(
    "encryptThreads",
    "worker threads that encrypt and prove the update (default: cores - 1 on a real network; in-process on the mock devnet)",
    undefined,
    argTypes.count,
  )
  .addFlag("json", "print JSON")
  .setAction(
    guarded(async (args: SubmitArgs, hre) => {
      const { loadParticipantData, PARTITION_KINDS } = await import("../../client/src/node/data");
      const { StateStore, defaultStatePath } = await import("../../client/src/node/state");
      const { participantSeed } = await import("../../client/src/node/training");
      const { modelSources } = await import("../../client/src/node/modelStore");
      if (!(PARTITION_KINDS as readonly string[]).includes(args.partition)) {
        throw new Error(`--partition must be one of ${PARTITION_KINDS.join(", ")}`);
      }
      const { specFromUri } = await import("../../client/src/protocol/modelSpec");
      const { RoundState } = await import("../../client/src/protocol/vocabulary");
      const ctx = await flContext(hre, args);
      const task = await ctx.aggregator.getTask(args.task);
      // The task's class names (if its labels are names) fix the class indices for every participant.
      const dataSpec = {
        data: args.data,
        clientIndex: args.client,
        clients: args.clients,
        partition: args.partition as "iid",
        alpha: args.alpha,
        seed: args.seed,
        load: { labelColumn: args.labelColumn, classNames: specFromUri(task.config.modelURI).classNames },
      };
      const data = loadParticipantData(dataSpec);
      const { DEFAULT_REPORT_DELTA } = await import("../../client/src/privacy/ledger");
      const { dataRef, openDataPrivacy } = await import("../../client/src/node/dataPrivacy");
      const budget =
        args.privacyBudget === undefined
          ? undefined
          : { epsilon: args.privacyBudget, delta: args.privacyDelta ?? DEFAULT_REPORT_DELTA };
      const privacy = await openDataPrivacy(dataRef(dataSpec), { dir: args.privacyLedger, budget }, (m) =>
        console.error(m),
      );
      const account = (await ctx.signer.getAddress()).toLowerCase();
      const round = Number(task.currentRound);
      if (round === 0) throw new Error("no round is open yet: the owner runs fl:open-round first");
      const { participantEncryption } = await import("../../client/src/fhe/encryptPool");
      const encryption = participantEncryption(
        { chainId: ctx.fhevm.chainId, url: ctx.url, apiKey: ctx.apiKey },
        args.encryptThreads,
      );
      if (!args.json) console.error(encryption.description);
      const session = await openSession(ctx, args.task, {
        encryptor: encryption.encryptor,
        train: data.train,
        test: data.test,
        training: {
          epochs: args.epochs,
          batchSize: args.batchSize,
          learningRate: args.lr,
          seed: participantSeed(args.seed, args.client),
        },
        state: new StateStore(args.state ?? defaultStatePath(args.task, account)),
        privacy,
        modelSources: modelSources(args.models ? args.models.split(",") : []),
      });
      await session.catchUp(round - 1);
      const info = await ctx.aggregator.getRound(args.task, round);
      if (Number(info.state) !== RoundState.Open) throw new Error(`round ${round} is not open: wait for fl:open-round`);
      session.checkRoundModel(round, info.globalModelHash);
      let txs = 0;
      let gas = 0;
      session.o.emit = (e) => {
        if (e.event === "submitted") ({ txs, gas } = e);
      };
      try {
        await session.submitRound(round);
      } finally {
        await encryption.close();
      }
      ctx.print(`submitted round ${round} for ${account}: ${txs} transaction(s), ${gas} gas`, {
        round,
        account,
        txs,
        gas,
      });
      session.dispose();
    }),
  );
