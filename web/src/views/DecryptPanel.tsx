"use client";

import { useState } from "react";
import { decodeAggregate } from "../../../client/src/codec/update";
import { publicDecryptWords, userDecryptWords, type PublicBatch } from "../../../client/src/fhe/decrypt";
import type { TypedDataSigner } from "../../../client/src/fhe/instance";
import type { TaskActivity } from "../hooks/useTaskActivity";
import { useAppChain } from "../providers/appChain";
import { aggregatorAt, aggregatorInterface, type FLuFHEAggregator, type TaskSnapshot } from "../chain";
import { POLICY_NAMES } from "../../../client/src/protocol/vocabulary";
import { grantedRanges, missingRanges, unpublishedBatches } from "../decrypt";
import { describeError } from "../errors";
import { fhevmConnection, prepareDecryption } from "../fhe";
import { shortHash } from "../format";
import { specFromModelURI } from "../modelSpec";
import { ModelResult } from "../components/ModelResult";
import { StepList } from "../components/Steps";
import { withStep, type Step } from "../progress";
import { useSigner, useWallet } from "../hooks/useWallet";
import type { WalletSigner } from "../wallet/signer";

const HANDLE_PAGE = 256;

/** A decrypted and decoded round. */
interface Decoded {
  round: number;
  words: bigint[];
  values: Float64Array;
  publicBatches?: PublicBatch[];
}

async function readHandles(aggregator: FLuFHEAggregator, taskId: bigint, round: number, wordCount: number) {
  const handles: string[] = [];
  for (let from = 0; from < wordCount; from += HANDLE_PAGE) {
    handles.push(...(await aggregator.aggregateHandles(taskId, round, from, Math.min(HANDLE_PAGE, wordCount - from))));
  }
  return handles;
}

/** Steps of one flow, driven by `act`; a failing step is marked with the error in words. */
function useFlow() {
  const [steps, setSteps] = useState<Step[]>([]);
  const [running, setRunning] = useState(false);
  const [failure, setFailure] = useState<{ message: string; rejected: boolean }>();
  const start = async (
    labels: string[],
    act: (set: (i: number, s: Step["status"], d?: string) => void) => Promise<void>,
  ) => {
    let current = -1;
    setSteps(labels.map((label) => ({ label, status: "todo" })));
    setFailure(undefined);
    setRunning(true);
    const set = (i: number, status: Step["status"], detail?: string) => {
      if (status === "active") current = i;
      setSteps((s) => withStep(s, i, status, detail));
    };
    try {
      await act(set);
    } catch (error) {
      const f = describeError(error, aggregatorInterface);
      if (current >= 0) setSteps((s) => withStep(s, current, "failed", f.message));
      setFailure(f);
    } finally {
      setRunning(false);
    }
  };
  return { steps, running, failure, start };
}

export function DecryptPanel({ task, activity }: { task: TaskSnapshot; activity: TaskActivity }) {
  const { deployment, provider } = useAppChain();
  const wallet = useWallet();
  const getSigner = useSigner();
  const revealed = task.roundInfos.filter((r) => r.state === "Revealed");
  const [chosen, setChosen] = useState<number>();
  const round = chosen ?? revealed[revealed.length - 1]?.round;
  const [result, setResult] = useState<Decoded>();
  const flow = useFlow();
  const publish = useFlow();
  const { layout } = task;
  const isPublic = task.policy === 1;
  const ready = wallet.status === "ready";

  if (revealed.length === 0 || round === undefined) {
    return (
      <section className="panel" aria-labelledby="decrypt-heading">
        <h2 id="decrypt-heading">Global model</h2>
        <p className="muted">
          No round has been revealed yet: the aggregate can be decrypted once a round is revealed.
        </p>
      </section>
    );
  }
  const info = task.roundInfos[round - 1];
  const shown = result?.round === round ? result : undefined;

  const sendAll = async (
    signer: WalletSigner | undefined,
    ranges: { from: number; count: number }[],
    step: number,
    set: (i: number, s: Step["status"], d?: string) => void,
  ) => {
    if (ranges.length === 0) return set(step, "skipped", "already granted");
    if (!signer) throw new Error("connect a wallet on the aggregator's chain first");
    const aggregator = aggregatorAt(deployment.aggregator, signer.signer);
    for (const [i, r] of ranges.entries()) {
      set(step, "active", `transaction ${i + 1} of ${ranges.length}: confirm in your wallet`);
      const tx = await aggregator.allowAggregate(task.id, round, r.from, r.count);
      set(step, "active", `transaction ${i + 1} of ${ranges.length} pending (${shortHash(tx.hash)})`);
      await tx.wait();
    }
    set(step, "done", `${ranges.length} transaction(s) confirmed`);
  };

  const decode = (words: bigint[], step: number, set: (i: number, s: Step["status"], d?: string) => void) => {
    set(step, "active");
    const values = decodeAggregate(words, info.contributors, layout);
    set(step, "done", `${values.length} parameters`);
    return values;
  };

  const decryptAsParticipant = () =>
    flow.start(
      [
        `Grant this account access to the ${layout.wordCount} aggregate word(s)`,
        "Sign the EIP-712 user-decryption request",
        `Decrypt ${layout.wordCount} word(s) through the KMS`,
        "Decode the averaged update",
      ],
      async (set) => {
        if (!getSigner) throw new Error("connect a wallet first");
        const signer = await getSigner();
        const me = await signer.signer.getAddress();
        await sendAll(signer, missingRanges(layout.wordCount, grantedRanges(activity.events, round, 0, me)), 0, set);
        set(1, "active", "loading the decryption keys");
        await prepareDecryption();
        const { instance } = await fhevmConnection(deployment.chainId, provider, signer.eip1193);
        const handles = await readHandles(
          aggregatorAt(deployment.aggregator, provider),
          task.id,
          round,
          layout.wordCount,
        );
        set(1, "active", "confirm in your wallet");
        const signing: TypedDataSigner = {
          getAddress: () => signer.signer.getAddress(),
          signTypedData: async (domain, types, message) => {
            const signature = await signer.signer.signTypedData(domain, types, message);
            set(1, "done", "signed");
            set(2, "active");
            return signature;
          },
        };
        const words = await userDecryptWords(instance, signing, deployment.aggregator, handles);
        set(2, "done");
        setResult({ round, words, values: decode(words, 3, set) });
      },
    );

  const decryptPublicly = () =>
    flow.start(
      [
        `Make the ${layout.wordCount} aggregate word(s) publicly decryptable`,
        `Public-decrypt ${layout.wordCount} word(s) through the KMS`,
        "Decode the averaged update",
      ],
      async (set) => {
        const missing = missingRanges(layout.wordCount, grantedRanges(activity.events, round, 1));
        await sendAll(missing.length > 0 && getSigner ? await getSigner() : undefined, missing, 0, set);
        set(1, "active");
        const { instance } = await fhevmConnection(deployment.chainId, provider);
        const handles = await readHandles(
          aggregatorAt(deployment.aggregator, provider),
          task.id,
          round,
          layout.wordCount,
        );
        const batches = await publicDecryptWords(instance, handles);
        const words = batches.flatMap((b) => b.values);
        set(1, "done", `${batches.length} batch(es) with KMS proofs`);
        setResult({ round, words, values: decode(words, 2, set), publicBatches: batches });
      },
    );

  const toPublish = shown?.publicBatches ? unpublishedBatches(activity.events, round, layout.wordCount) : [];
  const postProofs = () =>
    publish.start([`Post ${toPublish.length} clear batch(es) with their KMS proofs`], async (set) => {
      if (!getSigner || !shown?.publicBatches) throw new Error("connect a wallet and decrypt first");
      const aggregator = aggregatorAt(deployment.aggregator, (await getSigner()).signer);
      for (const [i, b] of toPublish.entries()) {
        const batch = shown.publicBatches[b];
        set(0, "active", `batch ${b} (${i + 1} of ${toPublish.length}): confirm in your wallet`);
        const tx = await aggregator.publishClearAggregate(
          task.id,
          round,
          b,
          batch.abiEncodedClearValues,
          batch.decryptionProof,
        );
        set(0, "active", `batch ${b} pending (${shortHash(tx.hash)})`);
        await tx.wait();
      }
      set(0, "done", "verified on-chain with FHE.checkSignatures");
    });

  const spec = specFromModelURI(task.modelURI);
  const download = shown && {
    filename: `flufhe-task${task.id}-round${round}.json`,
    json: () => ({
      format: "flufhe-aggregate/1",
      chainId: deployment.chainId,
      aggregator: deployment.aggregator,
      taskId: String(task.id),
      round,
      policy: POLICY_NAMES[task.policy],
      modelHash: task.modelHash,
      modelURI: task.modelURI,
      spec: spec ?? null,
      globalModelHash: info.globalModelHash,
      codec: {
        valueBits: layout.valueBits,
        laneBits: layout.laneBits,
        wordsPerChunk: layout.wordsPerChunk,
        paramCount: layout.paramCount,
        clip: layout.clip,
        sampleCap: layout.sampleCap,
        weightFloor: layout.weightFloor,
      },
      contributors: info.contributors,
      laneSums: shown.words.map(String),
      averagedDelta: Array.from(shown.values),
    }),
  };

  const canUserDecrypt = ready && !flow.running;
  return (
    <section className="panel" aria-labelledby="decrypt-heading">
      <h2 id="decrypt-heading">Global model</h2>
      <div className="actions">
        <label htmlFor="decrypt-round">Round</label>
        <select
          id="decrypt-round"
          value={round}
          onChange={(e) => {
            setChosen(Number(e.target.value));
          }}
        >
          {revealed.map((r) => (
            <option key={r.round} value={r.round}>
              Round {r.round}
            </option>
          ))}
        </select>
        {isPublic ? (
          <button type="button" onClick={() => void decryptPublicly()} disabled={flow.running}>
            Public-decrypt round {round}
          </button>
        ) : (
          <button type="button" onClick={() => void decryptAsParticipant()} disabled={!canUserDecrypt}>
            Decrypt round {round}
          </button>
        )}
      </div>
      <p className="hint">
        {isPublic
          ? "Public policy: anyone may make the aggregate decryptable and post the clear values with the KMS proof."
          : ready
            ? "Participants policy: you sign a user-decryption request; the aggregate is decrypted for you alone, in this browser."
            : "Participants policy: connect the wallet of the task owner or a participant of this round to decrypt."}
      </p>
      {flow.steps.length > 0 && <StepList steps={flow.steps} label={`Decryption of round ${round}`} />}
      {flow.failure && (
        <p role="alert" className={flow.failure.rejected ? "warning-text" : "error-text"}>
          {flow.failure.rejected ? "Signature rejected: nothing was decrypted. " : "Decryption failed: "}
          {flow.failure.message}
        </p>
      )}
      {shown && download && (
        <>
          <ModelResult values={shown.values} title={`Averaged update of round ${round}`} download={download} />
          {isPublic && (
            <div style={{ marginTop: "1rem" }}>
              {info.clearCommitment ? (
                <p className="ok-text">
                  The clear aggregate is verified on-chain (commitment{" "}
                  <code title={info.clearCommitment}>{shortHash(info.clearCommitment)}</code>).
                </p>
              ) : (
                <button
                  type="button"
                  onClick={() => void postProofs()}
                  disabled={!ready || publish.running || toPublish.length === 0}
                >
                  Post the clear aggregate on-chain
                </button>
              )}
              {publish.steps.length > 0 && (
                <StepList steps={publish.steps} label="Publication of the clear aggregate" />
              )}
              {publish.failure && (
                <p role="alert" className="error-text">
                  {publish.failure.message}
                </p>
              )}
            </div>
          )}
        </>
      )}
    </section>
  );
}
