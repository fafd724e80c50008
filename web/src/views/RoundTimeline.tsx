"use client";

import { ChunkBars } from "../components/charts";
import type { RoundCost } from "../../../client/src/chain/events";
import { Policy } from "../../../client/src/protocol/vocabulary";
import type { RoundSnapshot, TaskSnapshot } from "../chain";
import { decryptionBatchCount } from "../decryption/ranges";
import { Term } from "../components/Term";
import { formatCompact, formatDuration, formatInt, formatTime, shortHash } from "../format";
import { failureForecast, failureReason } from "../roundOutcome";

function Deadline({ round, now }: { round: RoundSnapshot; now: number }) {
  if (round.state !== "Open") return <>{formatTime(round.deadline)}</>;
  const left = round.deadline - now;
  return left > 0 ? (
    <>
      {formatTime(round.deadline)} — <strong>closes in {formatDuration(left)}</strong>
    </>
  ) : (
    <>
      {formatTime(round.deadline)} — <strong className="warning-text">deadline passed: anyone may close</strong>
    </>
  );
}

function Costs({ cost, metered }: { cost?: RoundCost; metered: boolean }) {
  if (!cost) return <>no transactions yet</>;
  const hcu = (v: number) => (metered ? formatCompact(v) : "n/a");
  return (
    <>
      {formatInt(cost.submissions)} chunk submission(s): {formatCompact(cost.submissionGas)} gas,{" "}
      {hcu(cost.submissionHcu)} HCU; all {formatInt(cost.txs)} transaction(s): {formatCompact(cost.gas)} gas,{" "}
      {hcu(cost.hcu)} HCU
    </>
  );
}

/** Why a failed round failed, or that an open one can no longer reach K (the owner's Close button says more). */
function RoundOutcome({ task, round, now }: { task: TaskSnapshot; round: RoundSnapshot; now: number }) {
  if (round.state === "Failed") {
    return (
      <p className="notice error" data-testid={`round-${round.round}-failure`}>
        {failureReason(round, task.minCohort, task.rounds)}
      </p>
    );
  }
  if (failureForecast(round, task.minCohort, now)) {
    return (
      <p className="warning-text" data-testid={`round-${round.round}-doomed`}>
        Below K at the deadline: it fails when it is closed.
      </p>
    );
  }
  return null;
}

/** One round: state, schedule, progress, contributors per chunk, what it cost. */
export function RoundCard({
  task,
  round,
  cost,
  hcuMetered,
  now,
}: {
  task: TaskSnapshot;
  round: RoundSnapshot;
  cost?: RoundCost;
  hcuMetered: boolean;
  now: number;
}) {
  const { layout } = task;
  return (
    <>
      <h3 id={`round-${round.round}`}>
        Round {round.round}{" "}
        <span className={`badge ${round.state}`} data-testid={`round-${round.round}-state`}>
          {round.state}
        </span>
      </h3>
      <dl className="facts">
        <dt>Opened</dt>
        <dd>{formatTime(round.openedAt)}</dd>
        <dt>Deadline</dt>
        <dd>
          <Deadline round={round} now={now} />
        </dd>
        <dt>Participants done</dt>
        <dd>
          {round.completed} of {round.eligible} submitted every chunk
        </dd>
        <dt>
          <Term id="quorum">Chunks at quorum</Term>
        </dt>
        <dd>
          {round.chunksAtQuorum} of {layout.chunkCount} (K = {task.minCohort})
        </dd>
        <dt>
          <Term id="gas">Gas</Term> and <Term id="HCU">HCU</Term>
        </dt>
        <dd
          data-testid={`round-${round.round}-cost`}
          data-submission-gas={cost?.submissionGas ?? 0}
          data-submission-hcu={cost?.submissionHcu ?? 0}
        >
          <Costs cost={cost} metered={hcuMetered} />
        </dd>
        <dt>
          <Term id="globalModel">Starts from</Term>
        </dt>
        <dd>
          <code title={round.globalModelHash}>{shortHash(round.globalModelHash)}</code>
        </dd>
        {task.policy === Policy.Public && round.state === "Revealed" && (
          <>
            <dt>Clear aggregate</dt>
            <dd>
              {round.clearCommitment ? (
                <>
                  published, commitment <code title={round.clearCommitment}>{shortHash(round.clearCommitment)}</code>
                </>
              ) : (
                `${round.publishedBatches} of ${decryptionBatchCount(layout.wordCount)} batch(es) verified on-chain`
              )}
            </dd>
          </>
        )}
      </dl>
      <RoundOutcome task={task} round={round} now={now} />
      <figure style={{ margin: "0.5rem 0 0" }}>
        <ChunkBars contributors={round.contributors} minCohort={task.minCohort} max={round.eligible} />
        <figcaption className="hint">
          Contributors per <Term id="chunk">chunk</Term>; the dashed line is the minimum cohort <Term id="K">K</Term>.
        </figcaption>
      </figure>
    </>
  );
}

export function RoundTimeline({
  task,
  costs,
  hcuMetered,
  now,
}: {
  task: TaskSnapshot;
  costs: Map<number, RoundCost>;
  hcuMetered: boolean;
  now: number;
}) {
  return (
    <section className="panel" aria-labelledby="timeline-heading">
      <h2 id="timeline-heading">Rounds</h2>
      <ol className="timeline">
        {task.roundInfos.map((round) => (
          <li
            key={round.round}
            className={round.round === task.currentRound ? "current" : undefined}
            aria-current={round.round === task.currentRound ? "step" : undefined}
          >
            <RoundCard task={task} round={round} cost={costs.get(round.round)} hcuMetered={hcuMetered} now={now} />
          </li>
        ))}
        {task.currentRound < task.rounds && (
          <li>
            <h3>
              Round {task.currentRound + 1} <span className="badge None">not opened</span>
            </h3>
            {task.rounds - task.currentRound > 1 && (
              <p className="muted">and {task.rounds - task.currentRound - 1} later round(s) not opened yet</p>
            )}
          </li>
        )}
      </ol>
    </section>
  );
}
