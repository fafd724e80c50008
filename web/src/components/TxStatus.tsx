import type { TxState } from "../progress";
import { formatInt, shortHash } from "../format";

/** Announces a transaction's progress (polite live region); failures are alerts. */
export function TxStatus({ state }: { state: TxState }) {
  switch (state.phase) {
    case "idle":
      return <p role="status" className="visually-hidden" />;
    case "wallet":
      return <p role="status">{state.label}: confirm in your wallet…</p>;
    case "pending":
      return (
        <p role="status">
          {state.label}: pending, transaction <code title={state.hash}>{shortHash(state.hash)}</code>…
        </p>
      );
    case "confirmed":
      return (
        <p role="status" className="ok-text">
          {state.label}: confirmed in block {state.block} ({formatInt(state.gasUsed)} gas).
        </p>
      );
    case "failed":
      return (
        <p role="alert" className={state.failure.rejected ? "warning-text" : "error-text"}>
          {state.label} failed: {state.failure.message}
        </p>
      );
  }
}
