"use client";

import { useState } from "react";
import { Policy } from "../../../client/src/protocol/vocabulary";
import type { RoundSnapshot, TaskSnapshot } from "../chain";
import {
  publicDecryption,
  publishClear,
  userDecryption,
  type DecodedRound,
  type RoundContext,
} from "../decryption/flows";
import { unpublishedBatches } from "../decryption/ranges";
import { useAppChain } from "../providers/appChain";
import { useFlow, type FlowRunner } from "./useFlow";
import type { TaskActivity } from "./useTaskActivity";
import { useSigner } from "./useWallet";

export interface Decryption {
  /** The task's revealed rounds, oldest first. */
  revealed: RoundSnapshot[];
  /** The round the panel works on (the latest revealed one unless chosen); undefined before any reveal. */
  round?: number;
  choose(round: number): void;
  /** The chosen round, once decrypted and decoded in this page. */
  decoded?: DecodedRound;
  /** Decryption (user or public, by the task's policy). */
  decryption: FlowRunner;
  decrypt(): void;
  /** PUBLIC policy: the batches still to post, and posting them. */
  toPublish: number[];
  publication: FlowRunner;
  publish(): void;
}

/**
 * The decryption panel's state: which revealed round, its decoded aggregate, and the flows that get there.
 * `onDecrypted` hears every decrypted aggregate's lane sums (the global model's rebuild then need not
 * decrypt it again; it decodes them with the task's encoding itself).
 */
export function useDecryption(
  task: TaskSnapshot,
  activity: TaskActivity,
  onDecrypted?: (round: number, words: readonly bigint[]) => void,
): Decryption {
  const { deployment, provider } = useAppChain();
  const getSigner = useSigner();
  const revealed = task.roundInfos.filter((r) => r.state === "Revealed");
  const [chosen, setChosen] = useState<number>();
  const round = chosen ?? revealed[revealed.length - 1]?.round;
  const [result, setResult] = useState<DecodedRound>();
  const decryption = useFlow();
  const publication = useFlow();
  const decoded = result !== undefined && result.round === round ? result : undefined;
  const toPublish = decoded?.publicBatches
    ? unpublishedBatches(activity.events, decoded.round, task.layout.wordCount)
    : [];
  const context = (r: number): RoundContext => ({ deployment, provider, task, round: r, events: activity.events });

  return {
    revealed,
    round,
    choose: setChosen,
    decoded,
    decryption,
    decrypt: () => {
      if (round === undefined) return;
      const flow = (task.policy === Policy.Public ? publicDecryption : userDecryption)(context(round), getSigner);
      void decryption.start(flow).then((r) => {
        if (!r) return;
        setResult(r);
        onDecrypted?.(r.round, r.words);
      });
    },
    toPublish,
    publication,
    publish: () => {
      if (round === undefined) return;
      void publication.start(publishClear(context(round), decoded, toPublish, getSigner));
    },
  };
}
