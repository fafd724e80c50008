import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { task } from "hardhat/config";
import type { ParticipantEvent } from "../../client/src/node/taskSession";
import { argTypes } from "./argTypes";
import { flContext, guarded } from "./context";
import { openSession, roundTask } from "./rounds";

interface DecryptArgs {
  task: number;
  round?: number;
  out: string;
  account?: string;
  models?: string;
  json: boolean;
}

task("fl:decrypt", "User-decrypt the revealed aggregates (participant or owner), decode, save the global model")
  .addParam("task", "task id", undefined, argTypes.count)
  .addOptionalParam("round", "last round to apply (default: the latest revealed)", undefined, argTypes.count)
  .addOptionalParam("out", "where to save the global model JSON", "results/global-model.json")
  .addOptionalParam("account", "participant or owner: 0x key, keystore file or devnet account index")
  .addOptionalParam(
    "models",
    "joined late: where to fetch the committed model of its first round (directories or URLs, comma-separated)",
  )
  .addFlag("json", "print JSON")
  .setAction(
    guarded(async (args: DecryptArgs, hre) => {
      const ctx = await flContext(hre, args);
      const { RoundState } = await import("../../client/src/protocol/vocabulary");
      const current = Number((await ctx.aggregator.getTask(args.task)).currentRound);
      let last = args.round ?? current;
      const revealed = async (round: number) =>
        Number((await ctx.aggregator.getRound(args.task, round)).state) === RoundState.Revealed;
      if (args.round === undefined && last > 0 && !(await revealed(last))) last--;
      if (last < 1) throw new Error("no round has been revealed yet: run fl:close-round and fl:reveal first");
      const { modelSources } = await import("../../client/src/node/modelStore");
      const fetched: { round: number; commitment: string; source: string }[] = [];
      const session = await openSession(ctx, args.task, {
        modelSources: modelSources(args.models ? args.models.split(",") : []),
        emit: (e: ParticipantEvent) => e.event === "model-fetched" && fetched.push(e),
      });
      await session.catchUp(last);
      // A late joiner starts from its first round's committed model: say where it came from.
      for (const f of fetched) {
        console.error(
          `round ${f.round}: started from its committed model ${f.commitment}, taken from ${f.source} ` +
            `(it hashes to the on-chain commitment)`,
        );
      }
      const weights = Array.from(session.global);
      const model = { task: args.task, round: last, spec: session.spec, commitment: session.commitment(), weights };
      mkdirSync(path.dirname(path.resolve(args.out)), { recursive: true });
      writeFileSync(args.out, JSON.stringify(model) + "\n");
      const norm = Math.sqrt(weights.reduce((s, w) => s + w * w, 0));
      ctx.print(
        `global model after round ${last}: ${weights.length} weights (L2 norm ${norm.toFixed(4)}), commitment ${model.commitment}; saved ${args.out}`,
        {
          round: last,
          commitment: model.commitment,
          out: args.out,
          parameters: weights.length,
          startedFrom: fetched[0] ?? { round: 0, commitment: session.task.config.modelHash, source: "the task's spec" },
        },
      );
      session.dispose();
    }),
  );

roundTask(
  "fl:publish",
  "PUBLIC policy: public-decrypt a revealed aggregate and post it with its KMS proof on-chain",
  "any account: 0x key, keystore file or devnet account index",
).setAction(
  guarded(async (args: { task: number; round?: number; account?: string; json: boolean }, hre) => {
    const ctx = await flContext(hre, args);
    const { publishClearAggregate } = await import("../../client/src/chain/aggregate");
    const { layoutFromTask } = await import("../../client/src/protocol/taskConfig");
    const { Policy } = await import("../../client/src/protocol/vocabulary");
    const t = await ctx.aggregator.getTask(args.task);
    if (Number(t.config.policy) !== Policy.Public) {
      throw new Error(
        `task ${args.task} reveals its aggregates to its participants only (policy participants): there is nothing ` +
          `to publish; a participant or the owner decrypts with fl:decrypt --task ${args.task} --account <it>`,
      );
    }
    const round = args.round ?? Number(t.currentRound);
    const result = await publishClearAggregate({
      aggregator: ctx.aggregator,
      instance: ctx.fhevm.instance,
      taskId: BigInt(args.task),
      round,
      layout: layoutFromTask(t),
      fromBlock: ctx.deploymentBlock,
    });
    ctx.print(
      `round ${round}: ${result.posted} batch(es) verified on-chain now, ${result.skipped} already were; commitment ${result.commitment}`,
      { round, ...result },
    );
  }),
);
