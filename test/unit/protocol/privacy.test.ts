import { describe, expect, it } from "vitest";
import { epsilonOf } from "../../../client/src/privacy/rdp";
import { modelCommitment, parseModelSpec, specFromUri, specToUri } from "../../../client/src/protocol/modelSpec";
import {
  NO_PRIVACY,
  checkPrivacyPromise,
  parsePrivacyTerms,
  privacyFromChain,
  privacyFromChoices,
  privacyFromFlags,
  privacyFromOptions,
  taskEpsilon,
  toOnChainPrivacy,
  type PrivacyTerms,
} from "../../../client/src/protocol/privacy";
import { TASK_DEFAULTS, checkTaskChoices, taskConfig } from "../../../client/src/protocol/taskChoices";

const ROUNDS = 10;
const CHOICES = { epsilon: 3, delta: 1e-5, clipNorm: 1, samplingRate: 0.004, stepsPerRound: 250 };

describe("privacy terms", () => {
  it("derives the smallest noise for a target epsilon and states the epsilon it gives, never less", () => {
    const terms = privacyFromChoices(CHOICES, ROUNDS);
    const computed = epsilonOf([{ samplingRate: 0.004, noiseMultiplier: terms.noiseMultiplier, steps: 2500 }], 1e-5);
    expect(computed).toBeLessThanOrEqual(3);
    expect(terms.epsilon).toBeGreaterThanOrEqual(computed);
    expect(terms.epsilon - computed).toBeLessThan(1e-6 + 1e-9);
    // 0.001 less noise would miss the target: the noise is the smallest on the chain's grid that reaches it.
    const less = epsilonOf(
      [{ samplingRate: 0.004, noiseMultiplier: terms.noiseMultiplier - 0.001, steps: 2500 }],
      1e-5,
    );
    expect(less).toBeGreaterThan(3);
  });

  it("reports the epsilon of a given noise, and more rounds cost more", () => {
    const { epsilon: _, ...rest } = CHOICES;
    const ten = privacyFromChoices({ ...rest, noiseMultiplier: 1.1 }, 10);
    const twenty = privacyFromChoices({ ...rest, noiseMultiplier: 1.1 }, 20);
    expect(ten.noiseMultiplier).toBe(1.1);
    expect(twenty.epsilon).toBeGreaterThan(ten.epsilon);
    expect(ten.epsilon).toBeCloseTo(taskEpsilon(ten, 10), 5);
  });

  it("round-trips through the chain's units exactly and through the spec's URI", () => {
    const terms = privacyFromChoices(CHOICES, ROUNDS);
    expect(privacyFromChain(toOnChainPrivacy(terms))).toEqual(terms);
    expect(privacyFromChain(NO_PRIVACY)).toBeUndefined();
    const spec = parseModelSpec({ kind: "logreg", inputShape: [4], numClasses: 2, seed: 1, privacy: terms });
    expect(specFromUri(specToUri(spec)).privacy).toEqual(terms);
  });

  it("is covered by the model commitment: other terms, another commitment", () => {
    const terms = privacyFromChoices(CHOICES, ROUNDS);
    const base = { kind: "logreg" as const, inputShape: [4], numClasses: 2, seed: 1 };
    const weights = new Float32Array(10);
    const a = modelCommitment(parseModelSpec({ ...base, privacy: terms }), weights);
    const b = modelCommitment(parseModelSpec({ ...base, privacy: { ...terms, clipNorm: 2 } }), weights);
    const none = modelCommitment(parseModelSpec(base), weights);
    expect(new Set([a, b, none]).size).toBe(3);
  });

  it("refuses malformed terms with the field and value", () => {
    const terms = privacyFromChoices(CHOICES, ROUNDS);
    expect(() => parsePrivacyTerms({ ...terms, samplingRate: 1.5 })).toThrow(/samplingRate must be a probability/);
    expect(() => parsePrivacyTerms({ ...terms, stepsPerRound: 2.5 })).toThrow(/stepsPerRound must be an integer/);
    expect(() => parsePrivacyTerms({ ...terms, delta: 0 })).toThrow(/delta must be/);
    expect(() => parsePrivacyTerms({ ...terms, noiseMultiplier: 1.0000001 })).toThrow(/whole number of the chain/);
    expect(() => parsePrivacyTerms("dp")).toThrow(/privacy must be an object/);
  });

  it("takes the owner's flags: nothing given is no DP, a stray DP flag is an error", () => {
    expect(privacyFromOptions({}, ROUNDS)).toBeUndefined();
    expect(() => privacyFromOptions({ clip: 2 }, ROUNDS)).toThrow(/clip need a target epsilon or a noise multiplier/);
    expect(() => privacyFromOptions({ epsilon: 3, noise: 1 }, ROUNDS)).toThrow(/one, not both/);
    const terms = privacyFromOptions({ epsilon: 8, sampling: 0.01 }, ROUNDS)!;
    expect(terms).toMatchObject({ delta: 1e-5, clipNorm: 1, samplingRate: 0.01, stepsPerRound: 100 });
    expect(terms.epsilon).toBeLessThanOrEqual(8);
  });

  it("reads the tools' --dp-* flags field by field", () => {
    const flags = { dpNoise: 1.2, dpDelta: 1e-6, dpClip: 2, dpSampling: 0.02, dpSteps: 30 };
    expect(privacyFromFlags(flags, ROUNDS)).toEqual(
      privacyFromOptions({ noise: 1.2, delta: 1e-6, clip: 2, sampling: 0.02, steps: 30 }, ROUNDS),
    );
    expect(privacyFromFlags(flags, ROUNDS)).toMatchObject({ noiseMultiplier: 1.2, delta: 1e-6, clipNorm: 2 });
    expect(privacyFromFlags({}, ROUNDS)).toBeUndefined();
  });
});

describe("a participant's check of the promise", () => {
  const terms: PrivacyTerms = privacyFromChoices(CHOICES, ROUNDS);

  it("accepts the same promise in spec and chain, or none in both", () => {
    expect(() => checkPrivacyPromise(terms, { ...terms }, ROUNDS)).not.toThrow();
    expect(() => checkPrivacyPromise(undefined, undefined, ROUNDS)).not.toThrow();
  });

  it("refuses a spec and a chain that disagree, naming the terms", () => {
    expect(() => checkPrivacyPromise(terms, { ...terms, clipNorm: 2 }, ROUNDS)).toThrow(/differ in clipNorm/);
    expect(() => checkPrivacyPromise(terms, undefined, ROUNDS)).toThrow(/spec promises differential privacy/);
    expect(() => checkPrivacyPromise(undefined, terms, ROUNDS)).toThrow(/spec makes no differential privacy/);
  });

  it("refuses an understated epsilon: more rounds than the promise covers, or a smaller figure", () => {
    expect(() => checkPrivacyPromise(terms, terms, ROUNDS + 5)).toThrow(/promise is understated/);
    const understated = { ...terms, epsilon: 1 };
    expect(() => checkPrivacyPromise(understated, understated, ROUNDS)).toThrow(/promises epsilon 1 but/);
  });

  it("is checked when the createTask config is built", () => {
    const checked = checkTaskChoices(100, { rounds: ROUNDS });
    expect(() =>
      taskConfig(checked.settings!, { modelHash: "0x" + "00".repeat(32), modelURI: "x", privacy: terms }),
    ).not.toThrow();
    const longer = checkTaskChoices(100, { rounds: TASK_DEFAULTS.rounds * 10 });
    expect(() =>
      taskConfig(longer.settings!, { modelHash: "0x" + "00".repeat(32), modelURI: "x", privacy: terms }),
    ).toThrow(/understated/);
  });
});

describe("a DP task's weights", () => {
  it("refuses sample-count weights, which would reveal the counts outside the guarantee", () => {
    const terms = privacyFromChoices(CHOICES, ROUNDS);
    const weighted = checkTaskChoices(100, { rounds: ROUNDS, sampleCap: 500 });
    const model = { modelHash: "0x" + "00".repeat(32), modelURI: "x" };
    expect(() => taskConfig(weighted.settings!, { ...model, privacy: terms })).toThrow(/sample cap 0/);
    expect(() => taskConfig(weighted.settings!, model)).not.toThrow();
  });
});
