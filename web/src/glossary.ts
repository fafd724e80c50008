/**
 * The protocol's words as the pages explain them, once: a one-line explanation for a data analyst (no
 * cryptography assumed), shown as a tooltip where the word appears (components/Term), as the hint of the
 * form field it names, and in full on /glossary. Pure data.
 */
import { WORD_BITS } from "../../client/src/codec/layout";

export interface GlossaryEntry {
  /** The word as the pages write it. */
  term: string;
  /** One line: what it is and why it matters to the user. */
  short: string;
}

export const GLOSSARY = {
  task: {
    term: "Task",
    short:
      "One model trained together: its architecture, who takes part, how many rounds and how updates are protected, fixed when it is created.",
  },
  round: {
    term: "Round",
    short:
      "Each participant trains the current model on its own data and sends an encrypted update; only the sum of the updates is revealed, and it moves the model forward.",
  },
  commitment: {
    term: "Commitment",
    short:
      "A fingerprint (hash) of a model's architecture and weights, stored on chain, so every participant can check it starts from the same model.",
  },
  aggregate: {
    term: "Aggregate",
    short:
      "The sum of the round's encrypted updates, computed on chain without decrypting any of them; only this sum is ever decrypted.",
  },
  K: {
    term: "Minimum cohort (K)",
    short:
      "The fewest participants whose updates must be in every part of the sum before it can be revealed, so no single update can be read from it.",
  },
  maxCohort: {
    term: "Maximum cohort",
    short: "The most participants a round can have; it sets how much room each encrypted number keeps for the sum.",
  },
  quorum: {
    term: "Quorum",
    short: "A chunk has quorum once at least K participants sent it; a round can be revealed only if every chunk has.",
  },
  words: {
    term: "Encrypted words",
    short: `The encrypted numbers an update travels in (${WORD_BITS} bits each); each packs several model values, so fewer words cost less.`,
  },
  lanes: {
    term: "Lanes",
    short:
      "The slots inside one encrypted word, one model value each; a lane is wide enough to hold the sum of every participant's value.",
  },
  laneBits: {
    term: "Lane bits (L)",
    short: "The width of one lane in bits: the value bits plus room for adding up to the maximum cohort's values.",
  },
  valueBits: {
    term: "Value bits (b)",
    short:
      "How finely each model change is rounded before encryption: b bits give 2^b steps between −C and C; fewer bits cost less but are coarser.",
  },
  clip: {
    term: "Clip bound (C)",
    short: "Model changes beyond ±C are cut to ±C before rounding; a small C rounds finely but cuts large changes.",
  },
  chunk: {
    term: "Chunk",
    short:
      "The share of an update sent in one transaction (a few encrypted words); large models send several chunks per round.",
  },
  HCU: {
    term: "HCU",
    short:
      "Homomorphic complexity units: the chain's meter for computing on encrypted numbers, like gas; each transaction has a cap.",
  },
  gas: {
    term: "Gas",
    short: "The chain's fee meter for a transaction; the cost preview estimates it from measured transactions.",
  },
  sampleCap: {
    term: "Sample cap",
    short:
      "Weighted averaging (FedAvg): a participant counts in proportion to its number of samples, up to this cap; 0 counts every participant equally.",
  },
  weightFloor: {
    term: "Weight floor",
    short: "In a weighted task, the smallest weight a participant can carry, so a tiny data set still counts a little.",
  },
  encoding: {
    term: "Update encoding",
    short:
      "How a participant's model change becomes numbers before encryption: all of it, or a compressed summary that needs fewer encrypted words.",
  },
  errorFeedback: {
    term: "Error feedback",
    short:
      "What a compressed update leaves out in one round is kept by the participant and added to its next round, so nothing is lost for good.",
  },
  kernelFill: {
    term: "Kernel fill",
    short:
      "Low rank only: each matrix is also projected on directions it has learnt itself, not only random ones; best for inputs without structure, such as tabular records.",
  },
  policy: {
    term: "Decryption policy",
    short:
      "Who may decrypt a revealed sum: the owner and that round's participants, each privately in their browser, or anyone, with the clear values posted on chain.",
  },
  reveal: {
    term: "Reveal",
    short:
      "After a round closes with quorum, revealing it makes its encrypted sum available for decryption under the task's policy.",
  },
  failedRound: {
    term: "Failed round",
    short:
      "A round that closed with a chunk below K: its partial sums are never revealed and the next round starts again from the same model.",
  },
  lateJoiner: {
    term: "Late joiner",
    short:
      "A participant added after round 1: it did not see the earlier rounds, so it needs the current global model as a file to start from.",
  },
  nodeModelFile: {
    term: "Model file for nodes",
    short:
      "The global model as a file named by its commitment, for participants who run the command-line node (a late joiner reads it from its --models folder).",
  },
  globalModel: {
    term: "Global model",
    short:
      "The model after the revealed rounds: the initial model plus each round's averaged update; every round starts from it.",
  },
  dp: {
    term: "Differential privacy",
    short:
      "Each participant adds calibrated noise while it trains, so the model reveals little about any single record of its data.",
  },
  epsilon: {
    term: "Epsilon (ε)",
    short:
      "The privacy budget for the whole task: how much all its rounds together may reveal about any one record; smaller is more private (1 to 8 is common).",
  },
  delta: {
    term: "Delta (δ)",
    short:
      "The small chance that the epsilon guarantee fails for a record; keep it well below 1 / (number of records a participant holds).",
  },
  noise: {
    term: "Noise multiplier",
    short:
      "How much random noise is added at each training step, in multiples of the per-record clip; more noise, more privacy.",
  },
  recordClip: {
    term: "Per-record clip",
    short:
      "The most one record may move the model in a training step; larger pushes are scaled down before noise is added.",
  },
  sampling: {
    term: "Sampling rate",
    short: "The share of a participant's records each training step uses, each record drawn at random on its own.",
  },
} as const satisfies Record<string, GlossaryEntry>;

export type TermId = keyof typeof GLOSSARY;

export const TERM_IDS = Object.keys(GLOSSARY) as TermId[];

/** The one-line explanation of a term. */
export function explain(id: TermId): string {
  return GLOSSARY[id].short;
}

/** Where /glossary explains a term. */
export function glossaryHref(id: TermId): string {
  return `/glossary#${id}`;
}
