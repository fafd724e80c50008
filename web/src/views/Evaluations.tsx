"use client";

import { useEffect, useState } from "react";
import { LineChart } from "../components/charts";
import { ErrorAlert, HeaderRow, JsonFileField } from "../components/forms";
import { parseEvaluations, type RoundEvaluation } from "../evaluations";

const percent = (v: number) => `${(v * 100).toFixed(1)} %`;

/** The server's evaluations report for the task (read once per task), replaced by a file the user loads. */
function useEvaluationsReport(taskId: bigint) {
  const [evals, setEvals] = useState<RoundEvaluation[]>();
  const [source, setSource] = useState("");
  const [error, setError] = useState<string>();

  useEffect(() => {
    let cancelled = false;
    fetch(`/api/evaluations/${taskId}`)
      .then(async (r) => {
        const body = (await r.json()) as { rounds?: unknown; error?: string };
        if (!r.ok) throw new Error(body.error ?? `HTTP ${r.status}`);
        return parseEvaluations(body);
      })
      .then(
        (list) => {
          if (cancelled) return;
          setEvals(list);
          setSource(list.length > 0 ? "reported for this task" : "");
        },
        (e: unknown) => !cancelled && setError((e as Error).message),
      );
    return () => {
      cancelled = true;
    };
  }, [taskId]);

  const load = (value: unknown, fileName: string) => {
    try {
      setEvals(parseEvaluations(value));
      setSource(`from ${fileName}`);
      setError(undefined);
    } catch (e) {
      setError(`${fileName}: ${(e as Error).message}`);
    }
  };
  return { evals, source, error, setError, load };
}

/** The accuracy curve, with the numbers in a table under a disclosure. */
function AccuracyChart({ evals, source }: { evals: RoundEvaluation[]; source: string }) {
  const points = evals.map((e) => ({ x: e.round, y: e.accuracy }));
  const lo = Math.min(...points.map((p) => p.y), 1);
  const yMin = Math.max(0, Math.floor(lo * 10) / 10 - 0.1);
  return (
    <>
      <p className="hint">Evaluations {source}.</p>
      <LineChart
        points={points}
        yMin={yMin}
        yMax={1}
        format={percent}
        xLabel="round"
        label={`Accuracy per round: ${points.map((p) => `round ${p.x} ${percent(p.y)}`).join(", ")}`}
      />
      <details>
        <summary>Show the numbers</summary>
        <table>
          <HeaderRow columns={[["Round"], ["Accuracy", true], ["Loss", true]]} />
          <tbody>
            {evals.map((e) => (
              <tr key={e.round}>
                <td>{e.round}</td>
                <td className="num">{percent(e.accuracy)}</td>
                <td className="num">{e.loss === undefined ? "–" : e.loss.toFixed(4)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </>
  );
}

/** Per-round accuracy of the global model, from the server's report for the task or a file the user loads. */
export function Evaluations({ taskId }: { taskId: bigint }) {
  const { evals, source, error, setError, load } = useEvaluationsReport(taskId);
  return (
    <section className="panel" aria-labelledby="eval-heading">
      <h2 id="eval-heading">Accuracy per round</h2>
      {evals && evals.length > 0 ? (
        <AccuracyChart evals={evals} source={source} />
      ) : (
        <p className="muted">
          {evals === undefined ? "Looking for evaluations…" : "No evaluations reported for this task."}
        </p>
      )}
      <div style={{ marginTop: "0.75rem" }}>
        <JsonFileField
          label="Load an evaluations report"
          hint='JSON: {"rounds": [{"round": 1, "accuracy": 0.9, "loss": 0.3}]}'
          onLoad={load}
          onError={setError}
        />
      </div>
      <p>
        <ErrorAlert message={error} />
      </p>
    </section>
  );
}
