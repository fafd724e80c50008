"use client";

import {
  useCallback,
  useEffect,
  useMemo,
  useRef,
  useState,
  useSyncExternalStore,
  type Dispatch,
  type SetStateAction,
} from "react";
import type { TrainingSettings } from "../../../client/src/node/training";
import { PrivacyBudgetExceeded, PrivacyLedger } from "../../../client/src/privacy/ledger";
import type { ModelSpec } from "../../../client/src/protocol/modelSpec";
import { checkPrivacyPromise } from "../../../client/src/protocol/privacy";
import { aggregatorAt, aggregatorInterface, type TaskSnapshot } from "../chain";
import { describeError } from "../errors";
import { fhevmConnection } from "../fhe";
import { browserModelStore, type GlobalModel, type ModelStore } from "../model/store";
import { submitBatched, supportsBatchedCalls, type Eip1193Request } from "../participate/batch";
import type { EncryptEngine, EncryptSetup } from "../participate/encryptProtocol";
import { Encryptor, pageEngine } from "../participate/encryptor";
import type { LocalData } from "../participate/localData";
import { chainPrivacy, chargeRound, ledgerTaskLabel, refusalInPage } from "../participate/privacy";
import { browserLedgerStore } from "../participate/privacyLedgerStore";
import { preparedUpdate, submitChunks, type ChunkState } from "../participate/roundUpdate";
import { startTraining, TrainingCancelled, type TrainingRun } from "../participate/trainer";
import type { BackendName, TrainMessage } from "../participate/trainProtocol";
import { openParticipation, type ParticipationStore } from "../participate/updateStore";
import { useAppChain, type AppChain } from "../providers/appChain";
import type { WalletSigner } from "../wallet/signer";
import { useSigner } from "./useWallet";

/** "refused": the data's privacy ledger refused the round (nothing was trained or sent). */
export type RoundPhase = "idle" | "training" | "submitting" | "done" | "cancelled" | "refused" | "failed";

export interface RoundRun {
  phase: RoundPhase;
  round?: number;
  backend?: BackendName;
  progress?: { epoch: number; epochs: number; loss: number };
  msPerEpoch?: number;
  /** The saved update of this round was submitted (a reload), not a new one trained. */
  resumed?: boolean;
  batched?: boolean;
  chunks: ChunkState[];
  /** From "start" to every chunk confirmed. */
  elapsedMs?: number;
  error?: string;
}

export interface ParticipantRound {
  run: RoundRun;
  /** The encryption worker's engine, or before it started the one this page would get. */
  engine?: EncryptEngine;
  /** Trains (unless this browser saved the round's update already), encodes, saves and submits. */
  start(args: { data?: LocalData; settings: TrainingSettings; backends?: BackendName[] }): Promise<void>;
  cancel(): void;
}

type StartArgs = Parameters<ParticipantRound["start"]>[0];

/** What a round's run uses: the hook's arguments, the app chain, the wallet, the callbacks and the run's state. */
interface RoundContext {
  task: TaskSnapshot;
  spec: ModelSpec | undefined;
  global: GlobalModel | undefined;
  store: ParticipationStore;
  /** The browser's global models: a lowrank round also encodes with the previous round's. */
  models: ModelStore;
  /** The data's privacy ledger: every round trained is charged to it first. */
  ledger: PrivacyLedger;
  getSigner: (() => Promise<WalletSigner>) | undefined;
  deployment: AppChain["deployment"];
  provider: AppChain["provider"];
  readAggregator: AppChain["aggregator"];
  startWorker: typeof startTraining;
  /** The page's encryption worker, started on first use (and again after it failed). */
  encryptor: () => Encryptor;
  onTraining: (m: TrainMessage) => void;
  onChunk: (c: ChunkState) => void;
  setRun: Dispatch<SetStateAction<RoundRun>>;
  /** The running training (what cancel stops); cleared once it has ended. */
  training: { current: TrainingRun | undefined };
}

/** Every chunk of a round, none sent yet. */
const queuedChunks = (count: number): ChunkState[] =>
  Array.from({ length: count }, (_, chunk) => ({ chunk, status: "queued" as const }));

/**
 * A round from start to end: trains (or resumes the update this browser saved), then submits the chunks;
 * the run's phase follows, and any failure (or the cancelled training) ends it.
 */
async function runRound(ctx: RoundContext, { data, settings, backends }: StartArgs): Promise<void> {
  const { task, spec, getSigner, setRun, training } = ctx;
  const round = task.currentRound;
  const info = task.roundInfos[round - 1];
  const t0 = performance.now();
  setRun({ phase: "training", round, chunks: queuedChunks(task.layout.chunkCount) });
  try {
    if (!getSigner) throw new Error("connect the wallet of a listed participant first");
    if (!spec) throw new Error("the task's model is not an inline spec: this page cannot train it");
    if (info?.state !== "Open") throw new Error(`round ${round} is not open`);
    // As TaskSession.open: the spec's promise must be the chain's, and honest, before anything is trained.
    checkPrivacyPromise(spec.privacy, await chainPrivacy(ctx.readAggregator, task.id), task.rounds);
    const { signer, eip1193 } = await getSigner();
    ctx.encryptor(); // its instance (the SDK's keys and WASM) starts while the model trains
    const account = await signer.getAddress();
    const record = await openParticipation(ctx.store, ctx.readAggregator, ctx.deployment.chainId, task.id, account);
    const label = ledgerTaskLabel(record.state.task);
    const prepared = await preparedUpdate(
      {
        taskId: task.id,
        round,
        globalModelHash: info.globalModelHash,
        spec,
        layout: task.layout,
        global: ctx.global,
        train: data?.train,
        settings,
        backends,
        privacy: spec.privacy,
        chargePrivacy: data && chargeRound(ctx.ledger, data.dataset, label, round, spec.privacy),
        previousModelHash: task.roundInfos[round - 2]?.globalModelHash,
        models: ctx.models,
      },
      record,
      ctx.store,
      {
        start: ctx.startWorker,
        onMessage: ctx.onTraining,
        onStart: (r) => (training.current = r),
      },
    );
    training.current = undefined;
    setRun((r) => ({ ...r, phase: "submitting", resumed: prepared.resumed }));
    await submitRound(ctx, { signer, eip1193, account, round, chunks: prepared.chunks });
    setRun((r) => ({ ...r, phase: "done", elapsedMs: performance.now() - t0 }));
  } catch (error) {
    training.current = undefined;
    if (error instanceof TrainingCancelled) setRun((r) => ({ ...r, phase: "cancelled" }));
    else if (error instanceof PrivacyBudgetExceeded) {
      setRun((r) => ({ ...r, phase: "refused", error: refusalInPage(error.message) }));
    } else setRun((r) => ({ ...r, phase: "failed", error: describeError(error, aggregatorInterface).message }));
  }
}

/** Sends the prepared chunks: in one wallet batch (EIP-5792) if there are several and the wallet can, else singly. */
async function submitRound(
  { task, deployment, provider, onChunk, setRun, encryptor }: RoundContext,
  { signer, eip1193, account, round, chunks }: WalletSigner & { account: string; round: number; chunks: bigint[][] },
): Promise<void> {
  // The page's connection only meters HCU here: the worker encrypts.
  const { hcuOf } = await fhevmConnection(deployment.chainId, provider, eip1193);
  const aggregator = aggregatorAt(deployment.aggregator, signer);
  const common = {
    aggregator,
    encryptor: encryptor(),
    hcuOf,
    taskId: task.id,
    round,
    layout: task.layout,
    chunks,
    onChunk,
  };
  const wallet = eip1193 as Eip1193Request;
  const batched = task.layout.chunkCount > 1 && (await supportsBatchedCalls(wallet, account, deployment.chainId));
  setRun((r) => ({ ...r, batched }));
  if (batched) await submitBatched({ ...common, wallet, account, chainId: deployment.chainId, provider });
  else await submitChunks(common);
}

/** A document's isolation and cores do not change while it lives: nothing to subscribe to. */
const noSubscription = () => () => {};
const pageEngines = new Map<number, EncryptEngine>();
/** This page's engine on `chainId`, the same object every time (what useSyncExternalStore needs). */
function thisPageEngine(chainId: number): EncryptEngine {
  let engine = pageEngines.get(chainId);
  if (!engine) pageEngines.set(chainId, (engine = pageEngine(chainId, globalThis)));
  return engine;
}

/** The worker's engine; where neither it nor the page is isolated, the page's reason (it knows why). */
const withPageReason = (reported: EncryptEngine, planned: EncryptEngine): EncryptEngine =>
  reported.kind === "sdk" && !reported.isolated && !planned.isolated ? { ...reported, why: planned.why } : reported;

/** Starts the page's encryption worker; `onEngine` hears how it encrypts. */
export type StartEncryptor = (setup: EncryptSetup, onEngine: (engine: EncryptEngine) => void) => Encryptor;

const startEncryptor: StartEncryptor = (setup, onEngine) => new Encryptor(setup, onEngine);

/**
 * The page's encryption worker, started on first use and kept for the visit (its SDK instance, keys and
 * thread pool are costly to start), started again after it failed, stopped when the page goes. `start`
 * is not a dependency of the stop: a default function may be a new one every render once minified.
 */
function useEncryptor(setup: EncryptSetup, start: StartEncryptor | undefined, onEngine: (e: EncryptEngine) => void) {
  const current = useRef<Encryptor | undefined>(undefined);
  const { chainId, rpcUrl } = setup;
  useEffect(
    () => () => {
      current.current?.terminate();
      current.current = undefined;
    },
    [chainId, rpcUrl],
  );
  return useCallback(() => {
    if (!current.current || current.current.failed) {
      current.current?.terminate();
      current.current = (start ?? startEncryptor)({ chainId, rpcUrl }, onEngine);
    }
    return current.current;
  }, [chainId, rpcUrl, start, onEngine]);
}

/** One round's participation from this page: training in the worker, then the chunks with the wallet. */
export function useParticipantRound(
  task: TaskSnapshot,
  spec: ModelSpec | undefined,
  global: GlobalModel | undefined,
  store: ParticipationStore,
  startWorker: typeof startTraining = startTraining,
  ledgerStore = browserLedgerStore(),
  /** Starts the encryption worker (default: a Web Worker). */
  start?: StartEncryptor,
  /** The global models this browser keeps (default: its IndexedDB store, as the Global model panel's). */
  modelStore?: ModelStore,
): ParticipantRound {
  const { deployment, provider, rpcUrl, aggregator: readAggregator } = useAppChain();
  const getSigner = useSigner();
  const [run, setRun] = useState<RoundRun>({ phase: "idle", chunks: [] });
  const training = useRef<TrainingRun | undefined>(undefined);
  const ledger = useMemo(() => new PrivacyLedger(ledgerStore), [ledgerStore]);
  const models = useMemo(() => modelStore ?? browserModelStore(), [modelStore]);
  // Before the worker reports, the engine this page would get (none on the server: it has no window).
  const planned = useSyncExternalStore(
    noSubscription,
    () => thisPageEngine(deployment.chainId),
    () => undefined,
  );
  // What the worker said (kept across rounds: a running worker says it once).
  const [reported, setReported] = useState<EncryptEngine | undefined>(undefined);
  const encryptor = useEncryptor({ chainId: deployment.chainId, rpcUrl }, start, setReported);

  const onTraining = useCallback((m: TrainMessage) => {
    if (m.type === "backend") setRun((r) => ({ ...r, backend: m.backend }));
    if (m.type === "progress") setRun((r) => ({ ...r, progress: { epoch: m.epoch, epochs: m.epochs, loss: m.loss } }));
    if (m.type === "done") setRun((r) => ({ ...r, msPerEpoch: m.msPerEpoch }));
  }, []);
  const onChunk = useCallback(
    (c: ChunkState) => setRun((r) => ({ ...r, chunks: r.chunks.map((x) => (x.chunk === c.chunk ? c : x)) })),
    [],
  );

  const begin = useCallback(
    (args: StartArgs) =>
      runRound(
        {
          task,
          spec,
          global,
          store,
          models,
          ledger,
          getSigner,
          deployment,
          provider,
          readAggregator,
          startWorker,
          encryptor,
          onTraining,
          onChunk,
          setRun,
          training,
        },
        args,
      ),
    [
      task,
      spec,
      global,
      store,
      models,
      ledger,
      getSigner,
      deployment,
      provider,
      readAggregator,
      startWorker,
      encryptor,
      onTraining,
      onChunk,
    ],
  );

  return {
    run,
    engine: reported && planned ? withPageReason(reported, planned) : (reported ?? planned),
    start: begin,
    cancel: useCallback(() => training.current?.cancel(), []),
  };
}
