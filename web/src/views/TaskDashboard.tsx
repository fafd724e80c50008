"use client";

import Link from "next/link";
import { useMemo } from "react";
import { useAccount } from "wagmi";
import { useTaskActivity, type TaskActivity } from "../hooks/useTaskActivity";
import { useAppChain } from "../providers/appChain";
import { useChainError, useChainNow } from "../providers/chainHead";
import { inRound, sameAddress, type TaskSnapshot } from "../chain";
import { POLICY_NAMES } from "../../../client/src/protocol/vocabulary";
import { sumCostsByRound } from "../../../client/src/chain/events";
import { describeEvent } from "../events";
import { formatCompact, formatInt, formatSpan, shortAddress, shortHash } from "../format";
import { describeTaskEncoding } from "../modelSpec";
import { useGlobalModel } from "../hooks/useGlobalModel";
import { useRoundAggregates } from "../hooks/useRoundAggregates";
import { useWallet } from "../hooks/useWallet";
import { DecryptPanel } from "./DecryptPanel";
import { Evaluations } from "./Evaluations";
import { GlobalModel } from "./GlobalModel";
import { Participants } from "./Participants";
import { RoundActions } from "./RoundActions";
import { RoundTimeline } from "./RoundTimeline";
import { modelLabel } from "./TaskList";
import { WithTask } from "./WithTask";

function Overview({ task, account }: { task: TaskSnapshot; account?: string }) {
  const { layout } = task;
  const you = (a: string) => sameAddress(a, account);
  return (
    <section className="panel" aria-labelledby="overview-heading">
      <h2 id="overview-heading">Configuration</h2>
      <dl className="facts">
        <dt>Owner</dt>
        <dd>
          <code>{task.owner}</code>
          {you(task.owner) && " (you)"}
        </dd>
        <dt>Model</dt>
        <dd>
          {modelLabel(task.modelURI)} — commitment <code title={task.modelHash}>{shortHash(task.modelHash)}</code>
        </dd>
        <dt>Parameters</dt>
        <dd>
          {formatInt(layout.paramCount)} in {formatInt(layout.wordCount)} encrypted words,{" "}
          {formatInt(layout.chunkCount)} chunk(s) of up to {layout.wordsPerChunk} words
        </dd>
        <dt>Codec</dt>
        <dd>
          {layout.valueBits}-bit values in {layout.laneBits}-bit lanes ({layout.lanesPerWord} per word), clip ±
          {layout.clip}
          {layout.sampleCap > 0
            ? `, FedAvg weights capped at ${layout.sampleCap} samples (floor ${layout.weightFloor})`
            : ", unweighted"}
        </dd>
        <dt>Encoding</dt>
        <dd data-testid="task-encoding">{describeTaskEncoding(task)}</dd>
        <dt>Cohort</dt>
        <dd>
          at least {task.minCohort} contributors per chunk, at most {task.maxCohort} participants;{" "}
          {task.participantsNextRound} listed for the next round
        </dd>
        <dt>Schedule</dt>
        <dd>
          round {task.currentRound} of {task.rounds}, {formatSpan(task.roundDuration)} per round
        </dd>
        <dt>Decryption</dt>
        <dd>{POLICY_NAMES[task.policy]}</dd>
      </dl>
    </section>
  );
}

function ActivityFeed({ activity }: { activity: TaskActivity }) {
  const recent = activity.events.slice(-30).reverse();
  const totals = useMemo(() => {
    let gas = 0;
    let hcu = 0;
    for (const c of activity.costs) {
      gas += c.gas;
      hcu += c.hcu;
    }
    return { gas, hcu };
  }, [activity.costs]);
  return (
    <section className="panel" aria-labelledby="activity-heading">
      <h2 id="activity-heading">Live activity</h2>
      <p className="hint">
        {formatInt(activity.costs.length)} transaction(s) so far: {formatCompact(totals.gas)} gas,{" "}
        {activity.hcuMetered ? formatCompact(totals.hcu) : "n/a"} HCU.
      </p>
      {activity.error && (
        <p role="alert" className="error-text">
          {activity.error}
        </p>
      )}
      {recent.length === 0 ? (
        <p className="muted">{activity.scannedTo < 0 ? "Reading the task's events…" : "No events yet."}</p>
      ) : (
        // Newest first, so a position number would change with every new event: each entry says its block instead.
        <ul className="feed" aria-live="polite" aria-relevant="additions">
          {recent.map((e) => (
            <li key={`${e.txHash}-${e.logIndex}`}>
              <span className="hint">block {e.blockNumber}:</span> {describeEvent(e, shortAddress)}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/**
 * The sections that need a loaded task: one global-model state shared by round actions and model, and
 * one set of decrypted rounds shared by the rebuild and the round aggregates.
 */
function TaskSections({
  task,
  activity,
  account,
  now,
}: {
  task: TaskSnapshot;
  activity: TaskActivity;
  account?: string;
  now: number;
}) {
  const { deployment } = useAppChain();
  const wallet = useWallet();
  const aggregates = useRoundAggregates();
  const model = useGlobalModel(task, activity, aggregates);
  const costs = useMemo(() => sumCostsByRound(activity.costs), [activity.costs]);
  return (
    <>
      <div className="two-col">
        <div>
          <Overview task={task} account={account} />
          <Participants task={task} events={activity.events} eventsRead={activity.scannedTo >= 0} />
          <RoundTimeline task={task} costs={costs} hcuMetered={activity.hcuMetered} now={now} />
        </div>
        <div>
          <RoundActions task={task} now={now} next={model} />
          <GlobalModel task={task} state={model} deployment={deployment} walletReady={wallet.status === "ready"} />
          <ActivityFeed activity={activity} />
        </div>
      </div>
      <DecryptPanel task={task} activity={activity} aggregates={aggregates} />
    </>
  );
}

/** For a connected account listed for the current (or first) round: the way to take part from this browser. */
function ParticipateLink({ task, account }: { task: TaskSnapshot; account?: string }) {
  const round = Math.max(task.currentRound, 1);
  if (!task.participants.some((p) => sameAddress(p.account, account) && inRound(p, round))) return null;
  return (
    <p className="notice">
      Your account is listed for round {round}.{" "}
      <Link href={`/tasks/${String(task.id)}/participate`}>Take part from this browser</Link> (train on a local file,
      encrypt and submit with your wallet), or run <code>flufhe node</code>.
    </p>
  );
}

/** A task's live dashboard: configuration, participants, rounds, actions, global model, activity, decryption, evaluations. */
export function TaskDashboard({ id }: { id: bigint }) {
  const chainError = useChainError();
  const { address } = useAccount();
  const now = useChainNow();
  const activity = useTaskActivity(id);

  return (
    <>
      <p>
        <Link href="/">← All tasks</Link>
      </p>
      <h1>Task #{String(id)}</h1>
      {chainError && (
        <p role="alert" className="notice error">
          {chainError}
        </p>
      )}
      <WithTask id={id}>
        {(task) => (
          <>
            <ParticipateLink task={task} account={address} />
            <TaskSections task={task} activity={activity} account={address} now={now} />
            <Evaluations taskId={id} />
          </>
        )}
      </WithTask>
    </>
  );
}
