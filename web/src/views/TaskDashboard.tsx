"use client";

import Link from "next/link";
import { useMemo } from "react";
import { useAccount } from "wagmi";
import { useTaskActivity, type TaskActivity } from "../hooks/useTaskActivity";
import { useAppChain } from "../providers/appChain";
import { useChainError, useChainNow } from "../providers/chainHead";
import { inRound, loadTask, sameAddress, type TaskSnapshot } from "../chain";
import { sumCostsByRound } from "../../../client/src/chain/events";
import { compresses } from "../../../client/src/codec/encoding";
import { describePrivacy } from "../../../client/src/protocol/privacy";
import { POLICY_NAMES } from "../../../client/src/protocol/vocabulary";
import { Term } from "../components/Term";
import { describeEvent } from "../events";
import { formatCompact, formatInt, formatSpan, shortAddress, shortHash } from "../format";
import { useChainQuery } from "../hooks/useChainQuery";
import { describeTaskEncoding, modelLabel, specFromModelURI, taskAbout } from "../modelSpec";
import { useGlobalModel } from "../hooks/useGlobalModel";
import { useRoundAggregates } from "../hooks/useRoundAggregates";
import { useWallet } from "../hooks/useWallet";
import { DecryptPanel } from "./DecryptPanel";
import { Evaluations } from "./Evaluations";
import { GlobalModel } from "./GlobalModel";
import { Participants } from "./Participants";
import { RoundActions } from "./RoundActions";
import { RoundTimeline } from "./RoundTimeline";
import { WithTask } from "./WithTask";

/** The codec in words: value and lane widths, the clip, and how participants are weighted. */
function CodecFacts({ layout }: { layout: TaskSnapshot["layout"] }) {
  return (
    <>
      {layout.valueBits}-bit <Term id="valueBits">values</Term> in {layout.laneBits}-bit <Term id="lanes">lanes</Term> (
      {layout.lanesPerWord} per word), <Term id="clip">clip</Term> ±{layout.clip};{" "}
      {layout.sampleCap > 0 ? (
        <>
          weighted by sample count up to a <Term id="sampleCap">sample cap</Term> of {layout.sampleCap} (
          <Term id="weightFloor">weight floor</Term> {layout.weightFloor})
        </>
      ) : (
        <>
          every participant counts the same (<Term id="sampleCap">sample cap</Term> 0)
        </>
      )}
    </>
  );
}

/** The task's differential-privacy promise as the chain stores it, or that it makes none. */
function PrivacyFacts({ task }: { task: TaskSnapshot }) {
  const said = describePrivacy(task.privacy);
  return (
    <>
      <span data-testid="task-privacy">{said[0].toUpperCase() + said.slice(1)}.</span>{" "}
      {task.privacy ? (
        <span className="hint">
          Fixed at creation (in the commitment and on chain); each participant checks it before training. Words:{" "}
          <Term id="epsilon">epsilon</Term>, <Term id="delta">delta</Term>, <Term id="noise">noise</Term>,{" "}
          <Term id="recordClip">clip</Term>, <Term id="sampling">sampling</Term>.
        </span>
      ) : (
        <span className="hint">
          Individual updates stay encrypted, but the revealed sums and the model carry no added noise.
        </span>
      )}
    </>
  );
}

export function TaskOverview({ task, account }: { task: TaskSnapshot; account?: string }) {
  const { layout } = task;
  const you = (a: string) => sameAddress(a, account);
  const encoding = specFromModelURI(task.modelURI)?.encoding;
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
          {modelLabel(task.modelURI)} — <Term id="commitment">commitment</Term>{" "}
          <code title={task.modelHash}>{shortHash(task.modelHash)}</code>
        </dd>
        <dt>Parameters</dt>
        <dd>
          {formatInt(layout.paramCount)} in {formatInt(layout.wordCount)} <Term id="words">encrypted words</Term>,{" "}
          {formatInt(layout.chunkCount)} <Term id="chunk">chunk(s)</Term> of up to {layout.wordsPerChunk} words
        </dd>
        <dt>Codec</dt>
        <dd>
          <CodecFacts layout={layout} />
        </dd>
        <dt>
          <Term id="encoding">Encoding</Term>
        </dt>
        <dd>
          <span data-testid="task-encoding">{describeTaskEncoding(task)}</span>
          {encoding && compresses(encoding.kind) && encoding.feedback !== false && (
            <span className="hint">
              {" "}
              (<Term id="errorFeedback">error feedback</Term>)
            </span>
          )}
        </dd>
        <dt>Cohort</dt>
        <dd>
          at least <Term id="K">K</Term> = {task.minCohort} contributors per chunk, at most {task.maxCohort}{" "}
          participants; {task.participantsNextRound} listed for the next round
        </dd>
        <dt>Schedule</dt>
        <dd>
          round {task.currentRound} of {task.rounds}, {formatSpan(task.roundDuration)} per round
        </dd>
        <dt>
          <Term id="policy">Decryption</Term>
        </dt>
        <dd>{POLICY_NAMES[task.policy]}</dd>
        <dt>
          <Term id="dp">Differential privacy</Term>
        </dt>
        <dd>
          <PrivacyFacts task={task} />
        </dd>
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
        {formatInt(activity.costs.length)} transaction(s) so far: {formatCompact(totals.gas)} <Term id="gas">gas</Term>,{" "}
        {activity.hcuMetered ? formatCompact(totals.hcu) : "n/a"} <Term id="HCU">HCU</Term>.
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
        // Focusable, so a keyboard can scroll the feed.
        <ul
          className="feed"
          aria-live="polite"
          aria-relevant="additions"
          tabIndex={0}
          aria-label="Events, newest first"
        >
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
          <TaskOverview task={task} account={account} />
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
      {/* A full page load, not a client-side one: only a document loaded with the participant page's COOP/COEP
      headers is cross-origin isolated (the SDK's threads). */}
      <a href={`/tasks/${String(task.id)}/participate`}>Take part from this browser</a> (train on a local file, encrypt
      and submit with your wallet), or run <code>flufhe node</code>.
    </p>
  );
}

/**
 * "Task #3: <name>" and the task's description once the task is read (the same query as WithTask's,
 * so one read serves both); "Task #3" until then or when it has none.
 */
function TaskHeading({ id }: { id: bigint }) {
  const { aggregator, deployment } = useAppChain();
  const task = useChainQuery(["task", deployment.aggregator, String(id)], () => loadTask(aggregator, id));
  const { name, description } = task.data ? taskAbout(task.data) : {};
  return (
    <>
      <h1>
        Task #{String(id)}
        {name && `: ${name}`}
      </h1>
      {description && (
        <p className="lead" data-testid="task-description">
          {description}
        </p>
      )}
    </>
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
      <TaskHeading id={id} />
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
