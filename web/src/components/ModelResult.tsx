"use client";

import { useMemo } from "react";
import { HistogramChart } from "./charts";
import { HeaderRow } from "./forms";
import { formatFloat, formatInt, shownIndex } from "../format";
import { histogram, summarize, type WeightSummary } from "../stats";
import { downloadBlob } from "../model/files";

const PREVIEW = 12;
const BINS = 40;

/** Saves `json` as a file (the browser's download, model/files' downloadBlob). */
function saveJson(filename: string, json: unknown) {
  downloadBlob(filename, new Blob([JSON.stringify(json, null, 1)], { type: "application/json" }));
}

/** The summary table's rows: name, value as shown, raw value (data-value). */
function summaryRows(summary: WeightSummary): [string, string, number][] {
  return [
    ["Parameters", formatInt(summary.count), summary.count],
    ["Mean", formatFloat(summary.mean), summary.mean],
    ["Standard deviation", formatFloat(summary.std), summary.std],
    ["Minimum", formatFloat(summary.min), summary.min],
    ["Maximum", formatFloat(summary.max), summary.max],
    ["Largest magnitude", formatFloat(summary.maxAbs), summary.maxAbs],
    ["L2 norm", formatFloat(summary.l2), summary.l2],
    ["Exact zeros", formatInt(summary.zeros), summary.zeros],
  ];
}

/** Summary statistics beside the histogram of the values. */
function SummaryAndHistogram({ values, summary }: { values: Float64Array; summary: WeightSummary }) {
  const hist = useMemo(() => histogram(values, BINS), [values]);
  return (
    <div className="two-col">
      <table>
        <caption className="visually-hidden">Weight summary</caption>
        <tbody>
          {summaryRows(summary).map(([name, text, raw]) => (
            <tr key={name}>
              <th scope="row">{name}</th>
              <td className="num" data-value={raw}>
                {text}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <figure style={{ margin: 0 }}>
        <HistogramChart
          hist={hist}
          label={`Histogram of ${summary.count} values in ${BINS} bins from ${formatFloat(summary.min)} to ${formatFloat(summary.max)}`}
        />
        <figcaption className="hint">Distribution of the averaged update ({BINS} bins).</figcaption>
      </figure>
    </div>
  );
}

/** The first PREVIEW values, with their index. */
function FirstValues({ values }: { values: Float64Array }) {
  return (
    <table style={{ marginTop: "0.75rem" }}>
      <caption style={{ textAlign: "left" }}>First {Math.min(PREVIEW, values.length)} parameters</caption>
      <HeaderRow columns={[["Parameter"], ["Value", true]]} />
      <tbody>
        {Array.from(values.subarray(0, PREVIEW)).map((v, i) => (
          <tr key={i}>
            <td>{shownIndex(i)}</td>
            <td className="num" data-testid={`value-${i}`} data-value={v}>
              {formatFloat(v, 6)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The decoded global update: summary, histogram, first values, and a JSON download of everything. */
export function ModelResult({
  values,
  title,
  note,
  download,
}: {
  values: Float64Array;
  title: string;
  /** How the values were obtained, under the title. */
  note?: string;
  download: { filename: string; json: () => unknown };
}) {
  const summary = useMemo(() => summarize(values), [values]);
  return (
    <div data-testid="model-result">
      <h3>{title}</h3>
      {note && (
        <p className="hint" data-testid="model-result-note">
          {note}
        </p>
      )}
      <SummaryAndHistogram values={values} summary={summary} />
      <FirstValues values={values} />
      <div className="actions" style={{ marginTop: "0.75rem" }}>
        <button type="button" onClick={() => saveJson(download.filename, download.json())}>
          Download as JSON
        </button>
      </div>
    </div>
  );
}
