import { writeFileSync } from "node:fs";
import path from "node:path";
import type { EncodingSpec } from "../../client/src/codec/encoding";
import { approxDuration, threadsLabel } from "../../client/src/protocol/clientCost";
import { describePrivacy, type PrivacyTerms } from "../../client/src/protocol/privacy";

export interface RoundRow {
  round: number;
  accuracy: number;
  plaintextAccuracy: number;
  /** The task's encoding with plaintext lane sums (compressed tasks only). */
  compressedPlaintextAccuracy?: number;
  gasUsed: number;
  hcuUsed: number;
  txs: number;
  /** Input proofs each participant made this round (16 words each; Zama's protocol fee counts input verifications). */
  proofsPerParticipant: number;
  /**
   * Estimated real-network (Sepolia/mainnet) client encryption per participant this round, one thread
   * (protocol/clientCost.ts: measured seconds per proof); the mock devnet does none of this work.
   */
  clientProofSeconds: number;
  /** This machine's default encryption threads, and the same work with them (an estimate). */
  clientThreads: number;
  clientProofSecondsAtThreads: number;
  seconds: number;
  /** Per participant, averaged; `mockEncrypt` is the mock devnet's encryption (no TFHE: far below a real network's). */
  phases: { train: number; encode: number; mockEncrypt: number; submit: number; decrypt: number };
}

export interface DemoReport {
  dataset: string;
  model: string;
  clients: number;
  rounds: RoundRow[];
  finalAccuracy: number;
  plaintextFinalAccuracy: number;
  compressedPlaintextFinalAccuracy?: number;
  /** How updates were encoded (quant: today's codec) and the encrypted words each participant sent per round. */
  encoding: EncodingSpec;
  /** The task's DP promise (null: none); the plaintext column is then the non-private reference. */
  privacy: PrivacyTerms | null;
  wordsPerParticipant: number;
  parameters: number;
  codec: { valueBits: number; laneBits: number; lanesPerWord: number; clip: number };
  chunksPerParticipant: number;
  partition: string;
  seconds: number;
}

/** What the demo's real-network and mock columns mean (the HTML report and the printed table say it). */
export const REAL_NETWORK_NOTE =
  "Gas, HCU and txs are the whole round's. Input proofs and real-network client encryption are per participant " +
  "per round: on Sepolia/mainnet every 16 encrypted words are one TFHE encryption with a zero-knowledge proof made " +
  "on the participant's machine (Zama's protocol fee counts input verifications); 1 thread is measured, more " +
  "threads are an estimate. The mock devnet does no TFHE: its encrypt time (mock encrypt s) is not a real-network figure.";

/** This machine's default encryption threads when more than one (the report then shows that estimate too). */
export function machineThreads(report: DemoReport): number | undefined {
  const threads = report.rounds[0]?.clientThreads ?? 1;
  return threads > 1 ? threads : undefined;
}

const escape = (s: string) =>
  s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);

/** An SVG line chart of encrypted vs plaintext accuracy per round (no external scripts or fonts). */
export function accuracyChart(rows: RoundRow[], width = 640, height = 320): string {
  const pad = 48;
  const compressed = rows.some((r) => r.compressedPlaintextAccuracy !== undefined);
  const values = rows
    .flatMap((r) => [r.accuracy, r.plaintextAccuracy, r.compressedPlaintextAccuracy ?? NaN])
    .filter(Number.isFinite);
  const lo = Math.max(0, Math.floor((Math.min(...values) - 0.02) * 20) / 20);
  const hi = Math.min(1, Math.ceil((Math.max(...values) + 0.01) * 20) / 20);
  const x = (i: number) =>
    pad + (rows.length === 1 ? (width - 2 * pad) / 2 : (i * (width - 2 * pad)) / (rows.length - 1));
  const y = (v: number) => height - pad - ((v - lo) / (hi - lo || 1)) * (height - 2 * pad);
  const line = (key: "accuracy" | "plaintextAccuracy" | "compressedPlaintextAccuracy", color: string, dash = "") =>
    `<polyline fill="none" stroke="${color}" stroke-width="2.5" ${dash} points="${rows.map((r, i) => `${x(i)},${y(r[key] ?? NaN)}`).join(" ")}"/>` +
    rows.map((r, i) => `<circle cx="${x(i)}" cy="${y(r[key] ?? NaN)}" r="4" fill="${color}"/>`).join("");
  const ticks = Array.from({ length: 6 }, (_, k) => lo + ((hi - lo) * k) / 5)
    .map(
      (v) =>
        `<text x="${pad - 8}" y="${y(v) + 4}" text-anchor="end">${(v * 100).toFixed(1)}%</text><line x1="${pad}" x2="${width - pad}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`,
    )
    .join("");
  const labels = rows
    .map((r, i) => `<text x="${x(i)}" y="${height - pad + 20}" text-anchor="middle">${r.round}</text>`)
    .join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12" role="img" aria-label="accuracy per round">
${ticks}${labels}<text x="${width / 2}" y="${height - 8}" text-anchor="middle">round</text>
${line("plaintextAccuracy", "#888", 'stroke-dasharray="6 4"')}${compressed ? line("compressedPlaintextAccuracy", "#d29922", 'stroke-dasharray="2 3"') : ""}${line("accuracy", "#1f6feb")}
<rect x="${width - pad - 170}" y="${pad - 30}" width="170" height="${compressed ? 58 : 40}" fill="white" stroke="#ccc"/>
<line x1="${width - pad - 160}" x2="${width - pad - 136}" y1="${pad - 16}" y2="${pad - 16}" stroke="#1f6feb" stroke-width="2.5"/><text x="${width - pad - 130}" y="${pad - 12}">encrypted FedAvg</text>
<line x1="${width - pad - 160}" x2="${width - pad - 136}" y1="${pad + 2}" y2="${pad + 2}" stroke="#888" stroke-width="2.5" stroke-dasharray="6 4"/><text x="${width - pad - 130}" y="${pad + 6}">plaintext FedAvg</text>
${compressed ? `<line x1="${width - pad - 160}" x2="${width - pad - 136}" y1="${pad + 20}" y2="${pad + 20}" stroke="#d29922" stroke-width="2.5" stroke-dasharray="2 3"/><text x="${width - pad - 130}" y="${pad + 24}">compressed plaintext</text>` : ""}
</svg>`;
}

/** Writes report.json and a self-contained report.html into `dir`. */
export function writeReport(dir: string, report: DemoReport): void {
  const compressed = report.compressedPlaintextFinalAccuracy !== undefined;
  const threads = machineThreads(report);
  writeFileSync(path.join(dir, "report.json"), JSON.stringify(report, null, 2) + "\n");
  const rows = report.rounds
    .map(
      (r) =>
        `<tr><td>${r.round}</td><td>${(r.accuracy * 100).toFixed(2)}</td><td>${(r.plaintextAccuracy * 100).toFixed(2)}</td>` +
        (compressed ? `<td>${((r.compressedPlaintextAccuracy ?? NaN) * 100).toFixed(2)}</td>` : "") +
        `<td>${r.gasUsed}</td><td>${r.hcuUsed}</td><td>${r.txs}</td><td>${r.proofsPerParticipant}</td>` +
        `<td>${approxDuration(r.clientProofSeconds)}</td>` +
        (threads ? `<td>${approxDuration(r.clientProofSecondsAtThreads)}</td>` : "") +
        `<td>${r.seconds.toFixed(1)}</td>` +
        Object.values(r.phases)
          .map((s) => `<td>${s.toFixed(2)}</td>`)
          .join("") +
        "</tr>",
    )
    .join("\n");
  const title = `FLuFHE demo: ${report.model} on ${report.dataset}, ${report.clients} clients`;
  writeFileSync(
    path.join(dir, "report.html"),
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<style>body{font-family:sans-serif;max-width:980px;margin:2em auto;padding:0 1em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}</style></head>
<body><h1>${escape(title)}</h1>
<p>${report.parameters} parameters, ${escape(report.encoding.kind)} encoding (${report.wordsPerParticipant} encrypted words per participant per round), ${report.codec.valueBits}-bit values in ${report.codec.laneBits}-bit lanes (${report.codec.lanesPerWord} per word), clip ${report.codec.clip},
${report.chunksPerParticipant} chunk(s) per participant per round, ${escape(report.partition)} partition. Total ${report.seconds.toFixed(0)} s.</p>
<p>Privacy: ${escape(describePrivacy(report.privacy ?? undefined))}${report.privacy ? " (the plaintext column trains without DP: the non-private reference)" : ""}.</p>
<p>${escape(REAL_NETWORK_NOTE)}</p>
${accuracyChart(report.rounds)}
<table><thead><tr><th>round</th><th>${compressed ? "compressed encrypted %" : "accuracy %"}</th><th>${compressed ? "uncompressed plaintext %" : "plaintext %"}</th>${compressed ? "<th>compressed plaintext %</th>" : ""}<th>gas</th><th>HCU</th><th>txs</th><th>input proofs per participant</th><th>real-network client encryption per participant, 1 thread</th>${threads ? `<th>… ${threadsLabel(threads)} (this machine, estimate)</th>` : ""}<th>seconds</th><th>train s</th><th>encode s</th><th>mock encrypt s</th><th>submit s</th><th>decrypt s</th></tr></thead>
<tbody>${rows}</tbody></table>
<p>Final: encrypted ${(report.finalAccuracy * 100).toFixed(2)}%, plaintext ${(report.plaintextFinalAccuracy * 100).toFixed(2)}%${compressed ? `, compressed plaintext ${(report.compressedPlaintextFinalAccuracy! * 100).toFixed(2)}%` : ""}.</p></body></html>\n`,
  );
}
