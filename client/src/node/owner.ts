import type { Signer } from "ethers";
import { createTrainingTask } from "../chain/owner";
import { withRetry } from "../chain/retry";
import { transact, type CallSite } from "../chain/transact";
import { RoundState, roundStateName } from "../protocol/vocabulary";
import type { FLuFHEAggregator } from "../../../types";
import type { TaskPlan } from "./planTask";
import { DEFAULT_WAIT_MS, TaskSession, type SessionOptions } from "./taskSession";
import { sleep } from "../util/sleep";

/** What the owner's session needs: the participant's session options (test data evaluates the model). */
export type OwnerOptions = Omit<SessionOptions, "train" | "training" | "state" | "emit">;

/** Progress of the owner's round loop, one object per step. */
export type OwnerEvent =
  | { event: "opened"; round: number; globalModelHash: string; deadline: number; eligible: number }
  | { event: "submissions-in"; round: number }
  | { event: "closed"; round: number; outcome: "Closed" | "Failed" }
  | { event: "revealed"; round: number }
  | { event: "applied"; round: number; decryptMs: number; accuracy: number; loss: number };

/** What a caller plugs into the owner's round loop (each optional). */
export interface RoundHooks {
  /** Runs once the round is open (in-process participants submit here). */
  afterOpen?: (round: number) => Promise<void>;
  /** Runs on every poll while waiting for submissions: throw to stop (a participant process died). */
  check?: () => void;
  /** Runs once the round is revealed, alongside the owner's own decryption (participants decrypt too). */
  afterReveal?: (round: number) => Promise<void>;
  /** A round that closes without quorum throws (default) or is reported as Failed and the loop goes on. */
  failedRounds?: "throw" | "continue";
  onEvent?: (event: OwnerEvent) => void;
}

/** What one round of the owner's loop ended with. */
export interface RoundResult {
  round: number;
  state: "Revealed" | "Failed";
  accuracy: number;
  loss: number;
  decryptMs: number;
}

/**
 * The model owner's side of a task, written once for the demo, the fl: tasks, the web's server
 * pieces and the tests: open each round with the global model rebuilt from the revealed aggregates
 * (the same TaskSession code participants run), wait for submissions, close, reveal, decrypt and apply.
 * Owner transactions are idempotent: a step whose transaction took effect although the node reported
 * an error (a dropped connection after mining, the mock node's concurrent-request race) carries on.
 */
export class OwnerSession {
  private constructor(
    readonly o: OwnerOptions,
    /** The owner's own view of the model, advanced with every revealed aggregate. */
    readonly model: TaskSession,
  ) {}

  /** Creates the planned task with its participants and returns its id. */
  static create(aggregator: FLuFHEAggregator, plan: TaskPlan, participants: string[]): Promise<bigint> {
    return createTrainingTask(aggregator, plan.config, participants);
  }

  /** Opens an existing task as its owner; the model is rebuilt from the chain (checked against its commitment). */
  static async open(o: OwnerOptions): Promise<OwnerSession> {
    const model = await TaskSession.open(o);
    const signer = (await o.signer.getAddress()).toLowerCase();
    if (model.task.owner.toLowerCase() !== signer) {
      model.dispose();
      throw new Error(`task ${o.taskId} belongs to ${model.task.owner}, not ${signer}: sign as the task's owner`);
    }
    return new OwnerSession(o, model);
  }

  get taskId(): bigint {
    return this.o.taskId;
  }

  private get aggregator(): FLuFHEAggregator {
    return this.o.aggregator.connect(this.o.signer as Signer);
  }

  /** The task's current round (0 before the first opens). */
  async currentRound(): Promise<number> {
    return Number((await withRetry("reading the task", () => this.o.aggregator.getTask(this.o.taskId))).currentRound);
  }

  /**
   * Opens the next round with the commitment of the global model rebuilt from every revealed round
   * before it; returns the round and what the chain recorded.
   */
  async openNextRound(): Promise<{ round: number; globalModelHash: string; deadline: number; eligible: number }> {
    const round = (await this.currentRound()) + 1;
    await this.model.catchUp(round - 1, { from: this.applied + 1 });
    this.applied = round - 1;
    const globalModelHash = this.model.commitment();
    await this.step(
      { fn: "openRound", taskId: this.o.taskId, round },
      [this.o.taskId, globalModelHash],
      async () => (await this.currentRound()) >= round,
    );
    const info = await this.model.readRound(round);
    return { round, globalModelHash, deadline: Number(info.deadline), eligible: Number(info.eligible) };
  }

  /** Rounds whose aggregates the owner's model already includes. */
  private applied = 0;

  /**
   * Waits until every eligible participant of the round has submitted all its chunks, or the
   * round's deadline passed. `check` runs on every poll (e.g. to fail fast when a participant died).
   */
  async waitForSubmissions(round: number, check?: () => void): Promise<void> {
    const giveUpAt = Date.now() + (this.o.waitMs ?? DEFAULT_WAIT_MS);
    for (;;) {
      check?.();
      const info = await this.model.readRound(round);
      if (info.completed === info.eligible || Number(info.deadline) * 1000 <= Date.now()) return;
      if (Date.now() > giveUpAt) {
        throw new Error(`round ${round}: ${info.completed}/${info.eligible} participants done after waiting`);
      }
      await sleep(this.o.pollMs ?? 300);
    }
  }

  /** Closes the round; Closed when every chunk reached the minimum cohort, else Failed (never revealed). */
  async close(round: number): Promise<"Closed" | "Failed"> {
    await this.step({ fn: "closeRound", taskId: this.o.taskId, round }, [this.o.taskId, round], async () =>
      this.stateIs(round, RoundState.Closed, RoundState.Failed),
    );
    return roundStateName((await this.model.readRound(round)).state) as "Closed" | "Failed";
  }

  /** Reveals a closed round's aggregate to the task's decryption audience (once). */
  async reveal(round: number): Promise<void> {
    await this.step({ fn: "revealRound", taskId: this.o.taskId, round }, [this.o.taskId, round], async () =>
      this.stateIs(round, RoundState.Revealed),
    );
  }

  /**
   * One round, the owner's whole loop written once (Flower's `Server.fit` for one round): open with the
   * rebuilt model's commitment, wait for the submissions, close, reveal, decrypt and apply. Hooks plug
   * in what differs between the demo, the benchmarks, the tests and the web.
   */
  async runRound(hooks: RoundHooks = {}): Promise<RoundResult> {
    const emit = hooks.onEvent ?? (() => {});
    const opened = await this.openNextRound();
    const { round } = opened;
    emit({ event: "opened", ...opened });
    await hooks.afterOpen?.(round);
    await this.waitForSubmissions(round, hooks.check);
    emit({ event: "submissions-in", round });
    const outcome = await this.close(round);
    emit({ event: "closed", round, outcome });
    if (outcome === "Failed") {
      if ((hooks.failedRounds ?? "throw") === "throw") {
        throw new Error(
          `round ${round} failed: some chunk has fewer than the minimum cohort of contributors; its partial sums ` +
            `are never revealed and the next round starts from the same model`,
        );
      }
      return { round, state: "Failed", accuracy: NaN, loss: NaN, decryptMs: 0 };
    }
    await this.reveal(round);
    emit({ event: "revealed", round });
    const [applied] = await Promise.all([this.applyRound(round), hooks.afterReveal?.(round)]);
    emit({ event: "applied", round, ...applied });
    return { round, state: "Revealed", ...applied };
  }

  /** Runs rounds until `rounds` of them ran in this call, or the task has none left (default). */
  async runRounds(hooks: RoundHooks = {}, rounds = Number.POSITIVE_INFINITY): Promise<RoundResult[]> {
    const results: RoundResult[] = [];
    while (results.length < rounds && (await this.currentRound()) < this.model.rounds) {
      results.push(await this.runRound(hooks));
    }
    return results;
  }

  /** Decrypts the revealed aggregate as the owner, applies it and evaluates on the test data (if any). */
  async applyRound(round: number): Promise<{ decryptMs: number; accuracy: number; loss: number }> {
    const result = await this.model.applyRound(round);
    this.applied = round;
    return result;
  }

  dispose(): void {
    this.model.dispose();
  }

  private async stateIs(round: number, ...states: number[]): Promise<boolean> {
    return states.includes(Number((await this.model.readRound(round)).state));
  }

  private async step(site: CallSite, args: unknown[], tookEffect: () => Promise<boolean>) {
    try {
      await transact(this.aggregator, site, args);
    } catch (error) {
      if (!(await tookEffect().catch(() => false))) throw error;
    }
  }
}
