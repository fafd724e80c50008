import type { ReactNode } from "react";
import type { TxState } from "../progress";
import { formatInt, shortHash } from "../format";

/** A finished transaction's line: it fades once read (confirmations; failures stay clear) and can be dismissed. */
function Settled({
  role,
  className,
  onDismiss,
  children,
}: {
  role: "status" | "alert";
  className: string;
  onDismiss?: () => void;
  children: ReactNode;
}) {
  return (
    <p role={role} className={`${className} settled`}>
      <span>{children}</span>
      {onDismiss && (
        <button type="button" className="dismiss" aria-label="Dismiss this message" onClick={onDismiss}>
          ×
        </button>
      )}
    </p>
  );
}

/** Announces a transaction's progress (polite live region); failures are alerts. */
export function TxStatus({ state, onDismiss }: { state: TxState; onDismiss?: () => void }) {
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
        <Settled role="status" className="ok-text fades" onDismiss={onDismiss}>
          {state.label}: confirmed in block {state.block} ({formatInt(state.gasUsed)} gas).
        </Settled>
      );
    case "failed":
      return (
        <Settled role="alert" className={state.failure.rejected ? "warning-text" : "error-text"} onDismiss={onDismiss}>
          {state.label} failed: {state.failure.message}
        </Settled>
      );
  }
}
