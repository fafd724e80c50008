import type { ReactNode } from "react";

/** Renders `page` for a task id URL segment (a positive integer), or says what is wrong with it. */
export function withTaskId(segment: string, page: (id: bigint) => ReactNode): ReactNode {
  if (!/^\d{1,78}$/.test(segment) || BigInt(segment) === 0n) {
    return (
      <p role="alert" className="notice error">
        “{segment}” is not a task id: task ids are positive integers.
      </p>
    );
  }
  return page(BigInt(segment));
}
