"use client";

import { useCallback, useEffect, useMemo, useRef, useState, type RefObject } from "react";
import type { ModelSpec } from "../../../client/src/protocol/modelSpec";
import { useAccount } from "wagmi";
import { inRound, sameAddress, type TaskSnapshot } from "../chain";
import { Policy } from "../../../client/src/protocol/vocabulary";
import { specFromModelURI } from "../modelSpec";
import { importStartingModel, planFromStore, rebuildFlow, toDecrypt, type RebuildContext } from "../model/rebuildFlow";
import type { RebuildPlan } from "../model/rebuild";
import { browserModelStore, taskKey, type GlobalModel, type ModelStore } from "../model/store";
import { useAppChain } from "../providers/appChain";
import { decryptionNeedsWallet } from "../decryption/ranges";
import { useFlow, type FlowRunner } from "./useFlow";
import { useInputBasis, type InputBasisState } from "./useInputBasis";
import type { RoundAggregates } from "./useRoundAggregates";
import type { TaskActivity } from "./useTaskActivity";
import { useSigner } from "./useWallet";

export interface GlobalModelState {
  /** The task's inline spec; undefined when its model lives elsewhere (the page cannot rebuild it). */
  spec?: ModelSpec;
  /** What the rebuild does from what this browser keeps (undefined while the store is read). */
  plan?: RebuildPlan;
  /** The model after the last settled round (what the next round opens with), once rebuilt. */
  model?: GlobalModel;
  /** Revealed rounds the rebuild still has to decrypt (needs the owner's or a participant's wallet). */
  toDecrypt: number[];
  flow: FlowRunner;
  /** Whether the last run decrypted rounds (its steps are worth showing). */
  decrypted: boolean;
  /** Whether decrypting `toDecrypt` needs a wallet (PARTICIPANTS: always; PUBLIC: while a round is not public yet). */
  needsWallet: boolean;
  rebuild(): void;
  /** A late joiner's page: loads the model file the plan has to start from (plan.needsModel). */
  importModel(file: File): Promise<void>;
  /** A pca task's public input basis, which decoding (and training) needs: held here, or to load. */
  inputBasis: InputBasisState;
  /** The rebuild has rounds to decode but this browser lacks the task's input basis (load it first). */
  needsInputBasis: boolean;
  storeKind: ModelStore["kind"];
  error?: string;
}

/**
 * Which rounds the connected account may decrypt (the contract's rule): every round of a PUBLIC task
 * or for the owner, else the rounds it was listed for. Without a wallet every round counts (the
 * decryption asks for one).
 */
function decryptRights(task: TaskSnapshot, account: string | undefined): ((round: number) => boolean) | undefined {
  if (!account || task.policy === Policy.Public || sameAddress(task.owner, account)) return undefined;
  const me = task.participants.find((p) => sameAddress(p.account, account));
  return (round) => !!me && inRound(me, round);
}

/** What the rebuild depends on: the rounds' states and the commitments they opened with. */
function signature(task: TaskSnapshot): string {
  return [task.modelHash, ...task.roundInfos.map((r) => `${r.state}:${r.globalModelHash}`)].join("|");
}

/** The connected account's decryption rights: recomputed when the rights change, not on every task snapshot. */
function useDecryptRights(task: TaskSnapshot, address: string | undefined) {
  const me = task.participants.find((p) => sameAddress(p.account, address));
  const rightsKey = JSON.stringify([address, task.policy, task.owner, me?.history]);
  return useMemo(() => decryptRights(task, address), [rightsKey]); // eslint-disable-line react-hooks/exhaustive-deps
}

/**
 * The rebuild plan from the browser's store, tagged with the signature it was made for; planned again when
 * the signature, spec, store, task or rights change, or after `replan()` (an imported starting model).
 */
function useRebuildPlan(
  latest: RefObject<{ task: TaskSnapshot }>,
  sig: string,
  spec: ModelSpec | undefined,
  models: ModelStore,
  key: string,
  mayDecrypt: ((round: number) => boolean) | undefined,
) {
  const [imported, setImported] = useState(0);
  const [planned, setPlanned] = useState<{ sig: string; plan: RebuildPlan }>();
  const [error, setError] = useState<{ sig: string; message: string }>();
  // `latest` is a ref (stable): listed for the linter only.
  useEffect(() => {
    if (!spec) return;
    let cancelled = false;
    planFromStore(latest.current.task, spec, models, key, mayDecrypt).then(
      (plan) => !cancelled && setPlanned({ sig, plan }),
      (e: unknown) => !cancelled && setError({ sig, message: `browser storage: ${(e as Error).message}` }),
    );
    return () => {
      cancelled = true;
    };
  }, [latest, sig, spec, models, key, mayDecrypt, imported]);
  const replan = useCallback(() => setImported((n) => n + 1), []);
  return { planned, error, replan };
}

/** Nothing to decrypt (a stored model, the initial one, failed rounds): rebuild at once, once per signature. */
function useAutoRebuild({
  plan,
  model,
  running,
  pending,
  sig,
  run,
  blocked,
}: {
  plan: RebuildPlan | undefined;
  model: GlobalModel | undefined;
  running: boolean;
  /** How many rounds are still to decrypt. */
  pending: number;
  sig: string;
  run: () => void;
  /** Something the rebuild needs is missing (the input basis): wait for it. */
  blocked: boolean;
}) {
  const autoRan = useRef<string>("");
  useEffect(() => {
    if (!plan || model || running || pending > 0 || blocked || autoRan.current === sig) return;
    autoRan.current = sig;
    run();
  }, [plan, model, running, pending, blocked, sig, run]);
}

/**
 * The task's global model in this page: planned from the browser's store on every settled-round change,
 * rebuilt at once when nothing needs decrypting, else on `rebuild()` (the decryption asks the wallet).
 * Rounds already in `aggregates` are not decrypted again, and the rounds it decrypts go there.
 */
export function useGlobalModel(
  task: TaskSnapshot,
  activity: TaskActivity,
  aggregates: RoundAggregates,
  store?: ModelStore,
): GlobalModelState {
  const { deployment, provider } = useAppChain();
  const { address } = useAccount();
  const mayDecrypt = useDecryptRights(task, address);
  const getSigner = useSigner();
  const models = useMemo(() => store ?? browserModelStore(), [store]);
  const spec = useMemo(() => specFromModelURI(task.modelURI), [task.modelURI]);
  const key = taskKey(deployment.chainId, deployment.aggregator, task.id);
  const sig = signature(task);
  const flow = useFlow();
  const [result, setResult] = useState<{ sig: string; model: GlobalModel; decrypted: boolean }>();
  const { decrypted, keep } = aggregates;
  // What run() reads when called, not when created: the newest task, events and lane sums.
  const latest = useRef({ task, activity, decrypted, sig });
  useEffect(() => {
    latest.current = { task, activity, decrypted, sig };
  });
  const { planned, error, replan } = useRebuildPlan(latest, sig, spec, models, key, mayDecrypt);

  const plan = planned?.sig === sig ? planned.plan : undefined;
  const model = result?.sig === sig ? result.model : undefined;
  const pending = plan ? toDecrypt(plan, decrypted) : [];
  const inputBasis = useInputBasis(spec, models);
  // Decoding a pca round needs the basis; while the store is read (held undefined) wait too.
  const needsInputBasis = inputBasis.digest !== undefined && !!plan && plan.decrypt.length > 0 && !inputBasis.held;

  const { start, running } = flow;
  const run = useCallback(() => {
    const now = latest.current;
    if (!spec || !plan || planned?.sig !== now.sig) return;
    const ctx: RebuildContext = {
      deployment,
      provider,
      task: now.task,
      spec,
      events: now.activity.events,
      store: models,
      taskKey: key,
      decrypted: now.decrypted,
      keep,
    };
    const runSig = now.sig;
    const decrypting = toDecrypt(plan, now.decrypted).length > 0;
    void start(rebuildFlow(ctx, plan, getSigner)).then((m) => {
      if (m) setResult({ sig: runSig, model: m, decrypted: decrypting });
    });
  }, [spec, plan, planned, deployment, provider, models, key, start, getSigner, keep]);
  useAutoRebuild({ plan, model, running, pending: pending.length, sig, run, blocked: needsInputBasis });

  const importModel = useCallback(
    async (file: File) => {
      if (!plan?.needsModel) return;
      await importStartingModel(models, key, plan.needsModel, await file.text(), file.name);
      replan();
    },
    [plan, models, key, replan],
  );
  return {
    spec,
    plan,
    model,
    toDecrypt: pending,
    flow,
    decrypted: result?.sig === sig && result.decrypted,
    needsWallet: decryptionNeedsWallet(activity.events, pending, task.policy, task.layout.wordCount),
    rebuild: run,
    importModel,
    inputBasis,
    needsInputBasis,
    storeKind: models.kind,
    error: error?.sig === sig ? error.message : undefined,
  };
}
