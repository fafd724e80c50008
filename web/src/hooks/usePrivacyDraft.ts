"use client";

import { useEffect, useMemo, useState } from "react";
import type { PrivacyOptions } from "../../../client/src/protocol/privacy";
import { derivePrivacy, readPrivacyText, roundsReady, type PrivacyDraft, type PrivacyText } from "../privacyForm";

/**
 * The DP inputs read for a task of `rounds` rounds: field errors at once, the accountant's terms once
 * typing pauses for `delayMs` (deriving the noise for a target epsilon takes from 0.1 s to seconds, too
 * slow for every keystroke).
 */
export function usePrivacyDraft(text: PrivacyText, rounds: number, delayMs = 250): PrivacyDraft {
  const read = useMemo(() => readPrivacyText(text), [text]);
  // The accountant's input, as one string so the effect runs only when it changes.
  const key = text.enabled && read.options && roundsReady(rounds) ? JSON.stringify([read.options, rounds]) : "";
  // The last answer, with the inputs it answers: newer inputs show "computing" until their own answer.
  const [answer, setAnswer] = useState<{ key: string; draft: PrivacyDraft }>();
  useEffect(() => {
    if (!key) return;
    const timer = setTimeout(() => {
      const [options, r] = JSON.parse(key) as [PrivacyOptions, number];
      setAnswer({ key, draft: derivePrivacy(options, r) });
    }, delayMs);
    return () => clearTimeout(timer);
  }, [key, delayMs]);

  if (!text.enabled) return { status: "off" };
  if (!read.options) return { status: "invalid", errors: read.errors };
  if (!roundsReady(rounds)) return { status: "needs-rounds" };
  return answer?.key === key ? answer.draft : { status: "computing" };
}
