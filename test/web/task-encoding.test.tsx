// Node environment: the commitments hash with ethers' sha256, which rejects jsdom's typed arrays.
import { describe, expect, it } from "vitest";
import { parseCompressFlag } from "../../client/src/codec/encoding";
import { taskEncoding } from "../../client/src/node/encoding";
import { initialModel } from "../../client/src/node/model";
import { planTask } from "../../client/src/node/planTask";
import { parseModelSpec, specFromUri } from "../../client/src/protocol/modelSpec";
import { privacyFromOptions, toOnChainPrivacy } from "../../client/src/protocol/privacy";
import { ENCODED_DEFAULTS, FOUR_BIT_DEFAULTS, TASK_DEFAULTS, taskConfig } from "../../client/src/protocol/taskChoices";
import {
  choiceOf,
  compressText,
  encodingOf,
  DEFAULT_ENCODING_CHOICE,
  defaultChoiceFor,
  followDefaults,
  followKindDefault,
  specWithEncoding,
  type EncodingChoice,
} from "../../web/src/encodingChoice";
import { initialPrivacyText, privacyDraft, type PrivacyText } from "../../web/src/privacyForm";
import { draftTask, initialFormText, readForm, specOf, type FormText, type SpecFields } from "../../web/src/taskForm";

const IMAGE: SpecFields = {
  name: "",
  description: "",
  kind: "mlp",
  inputShape: "8, 8",
  numClasses: "3",
  hidden: "6",
  seed: "4",
  frozenLayers: "",
};

/** The form's path from its inputs to the createTask config (useTaskForm + CreateTask's create, without React). */
function formConfig(
  fields: SpecFields,
  choice: EncodingChoice,
  edit: (t: FormText) => FormText = (t) => t,
  privacyText: PrivacyText = initialPrivacyText(),
) {
  const { encoding, error } = encodingOf(choice);
  expect(error).toBeUndefined();
  const start = initialFormText();
  const text = edit({ ...start, codec: followDefaults(start.codec, "quant", choice.kind) });
  const form = readForm(text);
  const privacy = privacyDraft(privacyText, form.rounds);
  const terms = privacy.status === "ready" ? privacy.terms : undefined;
  const spec = specWithEncoding(specOf(fields, terms).spec!, encoding).spec!;
  const model = initialModel(spec); // what /api/model answers for the spec
  const draft = draftTask(form, model.paramCount, taskEncoding(spec, model.paramCount), privacy);
  expect(draft.errors).toEqual([]);
  return { spec, draft, config: taskConfig(draft.settings!, { ...model, privacy: model.spec.privacy }) };
}

/** fl:create-task's path for the same model and --compress text. */
const cliPlan = (compress: string, choices = {}) =>
  planTask(
    parseModelSpec({
      kind: "mlp",
      inputShape: [8, 8],
      numClasses: 3,
      hidden: [6],
      seed: 4,
      encoding: parseCompressFlag(compress),
    }),
    choices,
  );

describe("the create-task form's encoding", () => {
  it("builds fl:create-task's config for dct with the compressed defaults: same commitment, URI and codec", () => {
    const choice: EncodingChoice = { kind: "dct", param: "4", feedback: true };
    expect(compressText(choice)).toBe("dct:4");
    const { spec, draft, config } = formConfig(IMAGE, choice);
    const cli = cliPlan("dct:4");
    expect(config).toEqual(cli.config);
    expect(specFromUri(String(config.modelURI)).encoding).toEqual({ kind: "dct", keep: 4 });
    expect(draft.codec).toMatchObject({ valueBits: ENCODED_DEFAULTS.valueBits, clip: ENCODED_DEFAULTS.clip });
    // The chain carries the compressed coordinates, far fewer than the model's parameters.
    const d = initialModel(spec).paramCount;
    expect(Number(config.codec.paramCount)).toBeLessThan(d / 3);
    expect(draft.uncompressed?.layout.paramCount).toBe(d);
    expect(draft.plan!.layout.wordCount).toBeLessThan(draft.uncompressed!.layout.wordCount);
    // The commitment covers the encoding: without it the model hashes differently.
    expect(config.modelHash).not.toBe(initialModel(specOf(IMAGE).spec!).modelHash);
  });

  it("builds fl:create-task's config for randk without feedback and typed codec choices", () => {
    const choice: EncodingChoice = { kind: "randk", param: "5", feedback: false };
    expect(compressText(choice)).toBe("randk:5-nofb");
    const { config, draft } = formConfig(IMAGE, choice, (t) => ({
      ...t,
      codec: { ...t.codec, valueBits: "4", clip: "0.1" },
      cohort: { ...t.cohort, maxCohort: "8" },
    }));
    expect(config).toEqual(cliPlan("randk:5-nofb", { valueBits: 4, clip: 0.1, maxCohort: 8 }).config);
    expect(draft.plan!.layout.valueBits).toBe(4);
  });

  it("leaves today's codec out of the spec, as the CLI does for --compress none", () => {
    const { spec, config, draft } = formConfig(IMAGE, { kind: "quant", param: "10", feedback: true });
    expect(spec.encoding).toBeUndefined();
    expect(config).toEqual(planTask(specOf(IMAGE).spec!).config);
    expect(draft.codec).toMatchObject({ valueBits: TASK_DEFAULTS.valueBits, clip: TASK_DEFAULTS.clip });
    expect(draft.uncompressed).toBeUndefined();
  });

  it("builds fl:create-task's config for a DP task: the terms in the spec, its commitment and the chain's config", () => {
    const choice: EncodingChoice = { kind: "dct", param: "4", feedback: true };
    const dp = { ...initialPrivacyText(), enabled: true, epsilon: "3", sampling: "0.05" };
    const rounds = (t: FormText) => ({ ...t, cohort: { ...t.cohort, rounds: "5" } });
    const { spec, config } = formConfig(IMAGE, choice, rounds, dp);
    const terms = privacyFromOptions({ epsilon: 3, sampling: 0.05 }, 5)!;
    expect(spec.privacy).toEqual(terms);
    const cli = planTask(parseModelSpec({ ...cliPlan("dct:4").spec, privacy: terms }), { rounds: 5 });
    expect(config).toEqual(cli.config);
    expect(config.privacy).toEqual(toOnChainPrivacy(terms));
    expect(specFromUri(String(config.modelURI)).privacy).toEqual(terms);
    // The commitment covers the terms: the same task without DP hashes differently.
    expect(config.modelHash).not.toBe(formConfig(IMAGE, choice, rounds).config.modelHash);
  });

  it("reports bad parameters with the CLI's parser, dct on a model without image inputs and a rank no kernel fits", () => {
    expect(encodingOf({ kind: "randk", param: "1", feedback: true }).error).toMatch(
      /randk needs a ratio in \(1, 1000\]/,
    );
    expect(encodingOf({ kind: "dct", param: "2.5", feedback: true }).error).toMatch(/dct needs keep/);
    expect(encodingOf({ kind: "hash", param: "", feedback: true }).error).toMatch(
      /use none, stochastic, randk:<ratio>/,
    );
    const flat = specOf({ ...IMAGE, inputShape: "64" }).spec!;
    expect(specWithEncoding(flat, parseCompressFlag("dct:4")).error).toMatch(
      /dct encoding compresses a first dense layer on images/,
    );
    expect(specWithEncoding(specOf(IMAGE).spec!, parseCompressFlag("dct:9")).error).toMatch(/at most 8 frequencies/);
    expect(specWithEncoding(specOf(IMAGE).spec!, parseCompressFlag("lowrank:3")).error).toMatch(
      /lowrank:3 compresses no matrix of this model .*use a rank below 3/,
    );
  });

  it("moves value bits and clip between the defaults only while they hold the old defaults", () => {
    const start = initialFormText().codec;
    const compressed = followDefaults(start, "quant", "hash");
    expect([compressed.valueBits, compressed.clip]).toEqual([
      String(ENCODED_DEFAULTS.valueBits),
      String(ENCODED_DEFAULTS.clip),
    ]);
    expect(followDefaults(compressed, "hash", "quant")).toEqual(start);
    const typed = followDefaults({ ...start, valueBits: "8" }, "quant", "dct");
    expect([typed.valueBits, typed.clip]).toEqual(["8", String(ENCODED_DEFAULTS.clip)]);
    // lowrank's own defaults (4-bit values), to and from the other compressions'.
    const lowrank = followDefaults(compressed, "hash", "lowrank");
    expect([lowrank.valueBits, lowrank.clip]).toEqual([
      String(FOUR_BIT_DEFAULTS.valueBits),
      String(FOUR_BIT_DEFAULTS.clip),
    ]);
    expect(followDefaults(lowrank, "lowrank", "hash")).toEqual(compressed);
  });

  it("starts lenet on lowrank:11 and the other kinds on today's codec, and follows a kind's default while the owner has not picked one", () => {
    for (const kind of ["logreg", "mlp", "cnn"]) expect(defaultChoiceFor(kind)).toEqual(DEFAULT_ENCODING_CHOICE);
    const lowrank = { kind: "lowrank" as const, param: "11", feedback: true };
    expect(defaultChoiceFor("lenet")).toEqual(lowrank);
    expect(compressText(defaultChoiceFor("lenet"))).toBe("lowrank:11");
    expect(followKindDefault(defaultChoiceFor("logreg"), "logreg", "lenet")).toEqual(lowrank);
    expect(followKindDefault(lowrank, "lenet", "mlp")).toEqual(DEFAULT_ENCODING_CHOICE);
    // An encoding the owner picked stays when the kind changes.
    const picked: EncodingChoice = { kind: "hash", param: "3", feedback: true };
    expect(followKindDefault(picked, "mlp", "lenet")).toEqual(picked);
    // A caller's own table (as another deployment might set it) is followed the same way.
    const defaults = { mlp: parseCompressFlag("dct:10") };
    expect(compressText(followKindDefault(DEFAULT_ENCODING_CHOICE, "lenet", "mlp", defaults))).toBe("dct:10");
  });

  it("reads an uploaded spec's encoding back into the inputs", () => {
    expect(choiceOf({ kind: "hash", ratio: 20, feedback: false })).toEqual({
      kind: "hash",
      param: "20",
      feedback: false,
    });
    expect(compressText(choiceOf(parseCompressFlag("dct:6")))).toBe("dct:6");
    // A lowrank spec keeps its first factors: random ones (a spec from before the downstream start) stay random.
    // ... and its fill: the kernel's directions ("-kernel") stay with the spec.
    for (const flag of ["lowrank:8", "lowrank:8-random", "lowrank:5-kernel", "lowrank:5-random-kernel"]) {
      expect(compressText(choiceOf(parseCompressFlag(flag)))).toBe(flag);
      expect(encodingOf(choiceOf(parseCompressFlag(flag))).encoding).toEqual(parseCompressFlag(flag));
    }
    expect(choiceOf({ kind: "lowrank", rank: 4 })).toMatchObject({ param: "4", firstFactor: "random" });
    expect(choiceOf(undefined).kind).toBe("quant");
  });
});
