import { describePrivacy, type PrivacyTerms } from "../../../client/src/protocol/privacy";

/**
 * The task's differential-privacy promise as a participant reads it before joining (its spec's terms,
 * which the page checks against the chain's), or that it makes none; and why the page will not train on
 * it when the spec and the chain disagree or the promise is understated.
 */
export function TaskPromise({ terms, problem }: { terms?: PrivacyTerms; problem?: string }) {
  return (
    <section className="panel" aria-labelledby="promise-heading">
      <h2 id="promise-heading">Privacy promise</h2>
      {terms ? (
        <>
          <p data-testid="privacy-promise" data-dp="true">
            This task promises {describePrivacy(terms)}.
          </p>
          <p className="hint">
            Each round trains with DP-SGD in this browser: every record&apos;s influence is clipped and random noise is
            added before the update is encrypted, so whoever sees the aggregates or the final model learns at most this
            much about any one of your records. Smaller ε is more private; the epochs and batch size below do not apply.
          </p>
        </>
      ) : (
        <p data-testid="privacy-promise" data-dp="false">
          This task makes no differential-privacy promise: only encryption protects your update, and the revealed
          aggregates and the model are computed from your records without added noise.
        </p>
      )}
      {problem && (
        <p role="alert" className="notice error" data-testid="privacy-problem">
          This page will not train on this task: {problem}.
        </p>
      )}
    </section>
  );
}
