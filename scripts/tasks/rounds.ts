import { task } from "hardhat/config";
import { argTypes } from "./argTypes";
import { flContext, guarded, type FlContext } from "./context";

/** Opens a TaskSession for the context's signer (lazy: loads tfjs only when a task runs). */
export async function openSession(ctx: FlContext, taskId: number, extra: Record<string, unknown> = {}) {
  const { TaskSession } = await import("../../client/src/node/taskSession");
  const { initBackend } = await import("../../client/src/ml/backend");
  await initBackend(undefined, () => {});
  return TaskSession.open({ ...(await sessionOptions(ctx, taskId)), ...extra });
}

/** Opens the task as its owner (the context's signer must be the owner). */
export async function openOwnerSession(ctx: FlContext, taskId: number) {
  const { OwnerSession } = await import("../../client/src/node/owner");
  const { initBackend } = await import("../../client/src/ml/backend");
  await initBackend(undefined, () => {});
  return OwnerSession.open(await sessionOptions(ctx, taskId));
}

/** Every task keeps the global models it computes in .flufhe/models (participants who join late fetch them). */
async function sessionOptions(ctx: FlContext, taskId: number) {
  const { DEFAULT_MODEL_DIR, ModelDirectory } = await import("../../client/src/node/modelStore");
  return {
    aggregator: ctx.aggregator,
    instance: ctx.fhevm.instance,
    signer: ctx.signer,
    taskId: BigInt(taskId),
    modelCache: new ModelDirectory(DEFAULT_MODEL_DIR),
  };
}

type RoundArgs = { task: number; round?: number; account?: string; json: boolean };

async function currentRound(ctx: FlContext, args: RoundArgs): Promise<number> {
  return args.round ?? Number((await ctx.aggregator.getTask(args.task)).currentRound);
}

task("fl:open-round", "Open the next round (owner); commits the global model rebuilt from the revealed rounds")
  .addParam("task", "task id", undefined, argTypes.count)
  .addOptionalParam("account", "owner: 0x key, keystore file or devnet account index")
  .addFlag("json", "print JSON")
  .setAction(
    guarded(async (args: RoundArgs, hre) => {
      const ctx = await flContext(hre, args);
      const owner = await openOwnerSession(ctx, args.task);
      try {
        const opened = await owner.openNextRound();
        ctx.print(
          `round ${opened.round} open until ${new Date(opened.deadline * 1000).toISOString()} for ${opened.eligible} participants; global model ${opened.globalModelHash}`,
          opened,
        );
      } finally {
        owner.dispose();
      }
    }),
  );

/** A task acting on one round of a task: --task, --round (default current), --account, --json. */
export function roundTask(name: string, description: string, accountHelp: string) {
  return task(name, description)
    .addParam("task", "task id", undefined, argTypes.count)
    .addOptionalParam("round", "round (default: the current one)", undefined, argTypes.count)
    .addOptionalParam("account", accountHelp)
    .addFlag("json", "print JSON");
}

roundTask(
  "fl:close-round",
  "Close the current round (owner at quorum; anyone when all are done or after the deadline)",
  "0x key, keystore file or devnet account index",
).setAction(
  guarded(async (args: RoundArgs, hre) => {
    const ctx = await flContext(hre, args);
    const round = await currentRound(ctx, args);
    const { RoundState } = await import("../../client/src/protocol/vocabulary");
    const { transact } = await import("../../client/src/chain/transact");
    await transact(ctx.aggregator, { fn: "closeRound", taskId: args.task, round }, [args.task, round]);
    const closed = Number((await ctx.aggregator.getRound(args.task, round)).state) === RoundState.Closed;
    const outcome = closed
      ? "closed (quorum reached: reveal it with fl:reveal)"
      : "failed (no quorum: it will never be revealed)";
    ctx.print(`round ${round} ${outcome}`, { round, state: closed ? "closed" : "failed" });
  }),
);

roundTask(
  "fl:reveal",
  "Reveal a closed round's aggregate to the task's decryption audience (once)",
  "owner or a participant of the round",
).setAction(
  guarded(async (args: RoundArgs, hre) => {
    const ctx = await flContext(hre, args);
    const round = await currentRound(ctx, args);
    const { transact } = await import("../../client/src/chain/transact");
    await transact(ctx.aggregator, { fn: "revealRound", taskId: args.task, round }, [args.task, round]);
    ctx.print(`round ${round} revealed: decrypt it with fl:decrypt (or fl:publish for a public task)`, {
      round,
      revealed: true,
    });
  }),
);
