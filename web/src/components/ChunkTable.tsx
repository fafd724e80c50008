import { formatInt, shortHash, shownIndex } from "../format";
import type { ChunkState, ChunkStatus } from "../participate/roundUpdate";

const STATUS: Record<ChunkStatus, string> = {
  queued: "queued",
  sending: "encrypting, then confirm in your wallet",
  pending: "pending",
  confirmed: "confirmed",
  "on-chain": "already on chain (not sent again)",
};

/** A round's chunks as the participant submits them: state, transaction, gas and HCU. */
export function ChunkTable({ chunks, hcuMetered = true }: { chunks: ChunkState[]; hcuMetered?: boolean }) {
  return (
    <table aria-label="Chunks of your update">
      <thead>
        <tr>
          <th scope="col">Chunk</th>
          <th scope="col">State</th>
          <th scope="col">Transaction</th>
          <th scope="col">Gas</th>
          <th scope="col">HCU</th>
        </tr>
      </thead>
      <tbody aria-live="polite">
        {chunks.map((c) => (
          <tr key={c.chunk} data-testid={`chunk-${c.chunk}`} data-status={c.status}>
            <td>{shownIndex(c.chunk)}</td>
            <td>{STATUS[c.status]}</td>
            <td>{c.hash ? <code title={c.hash}>{shortHash(c.hash)}</code> : "—"}</td>
            <td>{c.gas !== undefined ? formatInt(c.gas) : "—"}</td>
            <td>{c.hcu !== undefined && hcuMetered && !Number.isNaN(c.hcu) ? formatInt(c.hcu) : "—"}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
