"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import { Policy } from "../../../client/src/protocol/vocabulary";
import type { RoundSnapshot, TaskSnapshot } from "../chain";
import {
  decodeDecrypted,
  publicDecryption,
  publishClear,
  userDecryption,
  type DecodedRound,
  type RoundContext,
} from "../decryption/flows";
import { decryptionNeedsWallet, unpublishedBatches } from "../decryption/ranges";
import type { Flow } from "../progress";
import { useAppChain } from "../providers/appChain";
import { useFlow, type FlowRunner } from "./useFlow";
import type { RoundAggregates } from "./useRoundAggregates";
import type { TaskActivity } from "./useTaskActivity";
import { useSigner } from "./useWallet";

export interface Decryption {
  /** The task's revealed rounds, oldest first. */
  revealed: RoundSnapshot[];
  /** The round the panel works on (the latest revealed one unless chosen); undefined before any reveal. */
  round?: number;
  choose(round: number): void;
  /** The chosen round, once decrypted (here or by another panel) and decoded in this page. */
  decoded?: DecodedRound;
  /** Decrypting the chosen round needs a wallet (PARTICIPANTS; PUBLIC while it is not public yet). */
  needsWallet: boolean;
  /** The chosen round's decryption (user or public, by the task's policy): no steps of another round. */
  decryption: FlowRunner;
  decrypt(): void;
  /** PUBLIC policy: the batches still to post, and posting them. */
  toPublish: number[];
  publication: FlowRunner;
  publish(): void;
}

/** The runner as shown for `round`: its steps and failure only if its last flow ran for that round. */
function forRound(runner: FlowRunner, ranFor: number | undefined, round: number | undefined): FlowRunner {
  return ranFor === round ? runner : { ...runner, steps: [], failure: undefined };
}

/**
 * The decryption panel's state: which revealed round, its decoded aggregate, and the flows that get there.
 * Each round is decrypted once per visit (`aggregates`, shared with the global-model rebuild): a round
 * another panel decrypted is only decoded here, without asking the wallet or the KMS again.
 */
export function useDecryption(task: TaskSnapshot, activity: TaskActivity, aggregates: RoundAggregates): Decryption {
  const { deployment, provider } = useAppChain();
  const getSigner = useSigner();
  const revealed = task.roundInfos.filter((r) => r.state === "Revealed");
  const [chosen, setChosen] = useState<number>();
  const round = chosen ?? revealed[revealed.length - 1]?.round;
  const [results, setResults] = useState<ReadonlyMap<number, DecodedRound>>(new Map());
  const decryption = useFlow();
  const [ranFor, setRanFor] = useState<number>();
  const publication = useFlow();
  const [publishedFor, setPublishedFor] = useState<number>();
  const decoded = round === undefined ? undefined : results.get(round);
  const known = round === undefined ? undefined : aggregates.decrypted.get(round);
  const toPublish = decoded?.publicBatches
    ? unpublishedBatches(activity.events, decoded.round, task.layout.wordCount)
    : [];
  const { events } = activity;
  const context = useCallback(
    (r: number): RoundContext => ({ deployment, provider, task, round: r, events }),
    [deployment, provider, task, events],
  );

  const { start } = decryption;
  const { keep } = aggregates;
  const run = useCallback(
    (r: number, flow: Flow<DecodedRound>) => {
      setRanFor(r);
      void start(flow).then((result) => {
        if (!result) return;
        setResults((m) => new Map(m).set(r, result));
        keep(r, { words: result.words, publicBatches: result.publicBatches });
      });
    },
    [start, keep],
  );

  // A round another panel decrypted in this visit is decoded at once (once: a failure stays on screen).
  const decodedOnce = useRef(new Set<number>());
  useEffect(() => {
    if (round === undefined || !known || decoded || decryption.running || decodedOnce.current.has(round)) return;
    decodedOnce.current.add(round);
    run(round, decodeDecrypted(context(round), known));
  }, [round, known, decoded, decryption.running, run, context]);

  return {
    revealed,
    round,
    choose: setChosen,
    decoded,
    needsWallet:
      round !== undefined && !known && decryptionNeedsWallet(events, [round], task.policy, task.layout.wordCount),
    decryption: forRound(decryption, ranFor, round),
    decrypt: () => {
      if (round === undefined) return;
      if (known) return run(round, decodeDecrypted(context(round), known));
      run(round, (task.policy === Policy.Public ? publicDecryption : userDecryption)(context(round), getSigner));
    },
    toPublish,
    publication: forRound(publication, publishedFor, round),
    publish: () => {
      if (round === undefined) return;
      setPublishedFor(round);
      void publication.start(publishClear(context(round), decoded, toPublish, getSigner));
    },
  };
}
