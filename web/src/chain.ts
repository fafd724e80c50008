import { JsonRpcProvider, Network, type ContractRunner } from "ethers";
import type { Layout } from "../../client/src/codec/layout";
import { inRound as inHistory, membersFromChain, type Member } from "../../client/src/protocol/membership";
import { privacyFromChain, type PrivacyTerms } from "../../client/src/protocol/privacy";
import { layoutFromTask } from "../../client/src/protocol/taskConfig";
import { Policy, roundStateName, type RoundStateName } from "../../client/src/protocol/vocabulary";
import { FLuFHEAggregator__factory } from "../../types/factories/contracts/FLuFHEAggregator__factory";
import type { FLuFHEAggregator } from "../../types/contracts/FLuFHEAggregator";

export type { FLuFHEAggregator };

/** The app's own JSON-RPC endpoint (same origin, forwarded to the node by /api/rpc). */
export function appRpcUrl(origin: string): string {
  return `${origin}/api/rpc`;
}

/**
 * Read-only provider for the pages: no 250 ms read cache (an automining node changes state every
 * transaction), a fixed network (no eth_chainId round trip per call).
 */
export function readProvider(rpcUrl: string, chainId: number): JsonRpcProvider {
  const provider = new JsonRpcProvider(rpcUrl, Network.from(chainId), { staticNetwork: true, cacheTimeout: -1 });
  provider.pollingInterval = 1000;
  return provider;
}

export function aggregatorAt(address: string, runner: ContractRunner): FLuFHEAggregator {
  return FLuFHEAggregator__factory.connect(address, runner);
}

export const aggregatorInterface = FLuFHEAggregator__factory.createInterface();

/** A listed account and every interval of rounds it was listed for (client/src/protocol/membership). */
export type Participant = Member;

export interface RoundSnapshot {
  round: number;
  state: RoundStateName;
  openedAt: number;
  deadline: number;
  eligible: number;
  completed: number;
  chunksAtQuorum: number;
  publishedBatches: number;
  globalModelHash: string;
  contributors: number[];
  /** PUBLIC policy: commitment to the verified clear aggregate once every batch is posted. */
  clearCommitment?: string;
}

export interface TaskSnapshot {
  id: bigint;
  owner: string;
  modelHash: string;
  modelURI: string;
  layout: Layout;
  minCohort: number;
  maxCohort: number;
  rounds: number;
  roundDuration: number;
  policy: number;
  currentRound: number;
  participantsNextRound: number;
  participants: Participant[];
  roundInfos: RoundSnapshot[];
  /** The task's differential-privacy promise as the chain stores it; undefined: it makes none. */
  privacy?: PrivacyTerms;
}

const ZERO_HASH = "0x" + "0".repeat(64);

/** Whether two addresses are the same account (any checksum casing); false when either is missing. */
export function sameAddress(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
}

/** False for an account whose every interval was withdrawn before its first round. */
export function hasJoined(p: Participant): boolean {
  return p.history.length > 0;
}

/** Whether the participant takes part in `round` (the contract's membership rule). */
export function inRound(p: Participant, round: number): boolean {
  return inHistory(p.history, round);
}

async function loadRound(aggregator: FLuFHEAggregator, id: bigint, round: number, policy: number) {
  const [info, contributors, commitment] = await Promise.all([
    aggregator.getRound(id, round),
    aggregator.chunkContributors(id, round),
    policy === Policy.Public ? aggregator.clearAggregateCommitment(id, round) : Promise.resolve(ZERO_HASH),
  ]);
  const snapshot: RoundSnapshot = {
    round,
    state: roundStateName(info.state),
    openedAt: Number(info.openedAt),
    deadline: Number(info.deadline),
    eligible: Number(info.eligible),
    completed: Number(info.completed),
    chunksAtQuorum: Number(info.chunksAtQuorum),
    publishedBatches: Number(info.publishedBatches),
    globalModelHash: info.globalModelHash,
    contributors: contributors.map(Number),
  };
  if (commitment !== ZERO_HASH) snapshot.clearCommitment = commitment;
  return snapshot;
}

/** A task's configuration, allowlist and every round opened so far, read in parallel. */
export async function loadTask(aggregator: FLuFHEAggregator, id: bigint): Promise<TaskSnapshot> {
  const [view, listed] = await Promise.all([aggregator.getTask(id), aggregator.getParticipants(id)]);
  const policy = Number(view.config.policy);
  const currentRound = Number(view.currentRound);
  const roundInfos = await Promise.all(
    Array.from({ length: currentRound }, (_, i) => loadRound(aggregator, id, i + 1, policy)),
  );
  return {
    id,
    owner: view.owner,
    modelHash: view.config.modelHash,
    modelURI: view.config.modelURI,
    layout: layoutFromTask(view),
    minCohort: Number(view.config.minCohort),
    maxCohort: Number(view.config.maxCohort),
    rounds: Number(view.config.rounds),
    roundDuration: Number(view.config.roundDuration),
    policy,
    currentRound,
    participantsNextRound: Number(view.participantsNextRound),
    participants: membersFromChain(listed.accounts, listed.histories),
    roundInfos,
    privacy: privacyFromChain(view.config.privacy),
  };
}

/** The current round as the task list needs it (state and what decides how it ends). */
export interface RoundBrief {
  round: number;
  state: RoundStateName;
  deadline: number;
  chunksAtQuorum: number;
}

/** One line of the task list. */
export interface TaskSummary {
  id: bigint;
  owner: string;
  modelURI: string;
  paramCount: number;
  policy: number;
  rounds: number;
  currentRound: number;
  /** Listed for the next round. */
  participants: number;
  minCohort: number;
  chunkCount: number;
  /** undefined before round 1 opens. */
  round?: RoundBrief;
  /** Every account listed for at least one round (for "tasks I take part in"). */
  members: string[];
}

/** Every task, newest first, with its current round and its members. */
export async function loadTaskList(aggregator: FLuFHEAggregator): Promise<TaskSummary[]> {
  const count = Number(await aggregator.taskCount());
  const ids = Array.from({ length: count }, (_, i) => BigInt(count - i)); // newest first
  return Promise.all(
    ids.map(async (id) => {
      const [view, listed] = await Promise.all([aggregator.getTask(id), aggregator.getParticipants(id)]);
      const currentRound = Number(view.currentRound);
      const info = currentRound > 0 ? await aggregator.getRound(id, currentRound) : undefined;
      return {
        id,
        owner: view.owner,
        modelURI: view.config.modelURI,
        paramCount: Number(view.config.codec.paramCount),
        policy: Number(view.config.policy),
        rounds: Number(view.config.rounds),
        currentRound,
        participants: Number(view.participantsNextRound),
        minCohort: Number(view.config.minCohort),
        chunkCount: Number(view.chunkCount),
        round: info && {
          round: currentRound,
          state: roundStateName(info.state),
          deadline: Number(info.deadline),
          chunksAtQuorum: Number(info.chunksAtQuorum),
        },
        members: membersFromChain(listed.accounts, listed.histories)
          .filter(hasJoined)
          .map((m) => m.account),
      };
    }),
  );
}
