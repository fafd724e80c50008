// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import type { ModelSpec } from "../../client/src/protocol/modelSpec";
import { createEncoding } from "../../client/src/codec/encoding";
import { MAX_WORDS_PER_CHUNK } from "../../client/src/codec/layout";
import {
  ENCODED_DEFAULTS,
  FOUR_BIT_DEFAULTS,
  PAIR_COHORT_WARNING,
  TASK_DEFAULTS,
  taskSettings,
} from "../../client/src/protocol/taskChoices";
import { CreateTask } from "../../web/src/views/CreateTask";
import { browserModelStore } from "../../web/src/model/store";
import { CLIENT_ONE_THREAD_ROW } from "../../web/src/components/CostPreview";
import { approxDuration } from "../../client/src/protocol/clientCost";

// The page's own logic under test; the wallet, the transaction runner, the router and the model API are stubbed.
vi.mock("next/navigation", () => ({ useRouter: () => ({ push: vi.fn() }) }));
const wallet = vi.hoisted(() => ({ status: "disconnected" }));
const txRun = vi.hoisted(() => vi.fn());
vi.mock("../../web/src/hooks/useWallet", () => ({ useWallet: () => wallet }));
vi.mock("../../web/src/hooks/useTx", () => ({
  useTx: () => ({ state: { phase: "idle" }, busy: false, run: txRun, reset: vi.fn() }),
}));
// Every spec the page asks a commitment for (the last one is what createTask would commit to); the
// parameter count is the spec's from its weight shapes: 62 for the default logistic regression on [30], 2 classes.
// A spec from published weights is committed as the page commits it (publishedCommitment), without the server.
const asked = vi.hoisted(() => [] as unknown[]);
// jsdom: ethers' sha256 rejects its typed arrays, so a commitment here is a stand-in that still depends on every
// weight (publishedCommitment's real hash is tested in test/web/published-commitment.test.ts).
const standInCommitment = vi.hoisted(
  () => (spec: ModelSpec, weights: Float32Array) =>
    `0x${spec.kind}:${weights.length}:${Array.from(weights, (w) => w.toFixed(4)).join(",")}`,
);
vi.mock("../../web/src/hooks/useModelCommitment", async () => {
  const { paramCountOf } = await vi.importActual<typeof import("../../client/src/protocol/weightShapes")>(
    "../../client/src/protocol/weightShapes",
  );
  const { publishedCommitment } =
    await vi.importActual<typeof import("../../web/src/modelSpec")>("../../web/src/modelSpec");
  return {
    useModelCommitment: (spec?: ModelSpec, published?: Float32Array) => {
      asked.push(spec);
      if (!spec) return { status: "idle" };
      if (spec.initialWeights === "published") {
        try {
          const commitment = publishedCommitment(spec, paramCountOf(spec), published, standInCommitment);
          return { status: "ready", commitment };
        } catch (e) {
          return { status: "error", error: (e as Error).message };
        }
      }
      return {
        status: "ready",
        commitment: {
          paramCount: paramCountOf(spec),
          modelHash: "0x" + "11".repeat(32),
          modelURI: "data:",
          spec,
        },
      };
    },
  };
});

afterEach(cleanup);

const input = (label: string) => screen.getByLabelText(label) as HTMLInputElement;
const type = (label: string, value: string) => fireEvent.change(input(label), { target: { value } });
const warnings = () => Array.from(document.querySelectorAll(".warning-text li"), (li) => li.textContent);
const errors = () => screen.queryByRole("alert")?.textContent ?? "";
/** What a screen reader reads after the input's label: its explanation and its error. */
const described = (label: string) =>
  (input(label).getAttribute("aria-describedby") ?? "")
    .split(" ")
    .map((id) => document.getElementById(id)?.textContent)
    .join(" | ");

describe("CreateTask", () => {
  it("starts from TASK_DEFAULTS and caps the chunk size at the contract's MAX_WORDS_PER_CHUNK", () => {
    render(<CreateTask />);
    expect(input("Minimum cohort (K)").value).toBe(String(TASK_DEFAULTS.minCohort));
    expect(input("Value bits (b)").value).toBe(String(TASK_DEFAULTS.valueBits));
    expect(input("Words per chunk").max).toBe(String(MAX_WORDS_PER_CHUNK));
    expect(screen.getByTestId("model-commitment").textContent).toMatch(/^62 parameters/);
  });

  it("shows the draft's warnings: K = 2, and too few participants listed", () => {
    render(<CreateTask />);
    expect(warnings()).toEqual(["0 participant(s) listed: round 1 cannot open until at least 3 are listed"]);
    type("Minimum cohort (K)", "2");
    expect(warnings()).toEqual([
      PAIR_COHORT_WARNING,
      "0 participant(s) listed: round 1 cannot open until at least 2 are listed",
    ]);
    expect(errors()).toBe("");
  });

  it("shows errors that block creation beside their field and in the summary, and clears them when fixed", () => {
    render(<CreateTask />);
    const tooMany = `${MAX_WORDS_PER_CHUNK + 1} words is more than the ${MAX_WORDS_PER_CHUNK} one transaction can carry`;
    type("Words per chunk", String(MAX_WORDS_PER_CHUNK + 1));
    expect(described("Words per chunk")).toContain(tooMany);
    expect(input("Words per chunk").getAttribute("aria-invalid")).toBe("true");
    expect(errors()).toBe(`Before the task can be created:Words per chunk: ${tooMany}`);
    const link = screen.getByRole("link", { name: "Words per chunk" });
    fireEvent.click(link);
    expect(document.activeElement).toBe(input("Words per chunk"));
    expect((screen.getByRole("button", { name: "Create task" }) as HTMLButtonElement).disabled).toBe(true);
    type("Words per chunk", "4");
    expect(described("Words per chunk")).not.toContain(tooMany);
    expect(input("Words per chunk").getAttribute("aria-invalid")).toBeNull();
    expect(errors()).toBe("");
  });

  it("speaks the owner's units: a round of 400 days is more than the 1-year limit", () => {
    render(<CreateTask />);
    fireEvent.change(screen.getByLabelText("Duration unit"), { target: { value: "days" } });
    type("Round duration", "400");
    expect(described("Round duration")).toContain("400 days is more than the 1-year limit");
    type("Round duration", "30");
    expect(described("Round duration")).not.toContain("limit");
  });

  it("says when a participant address fails its checksum, beside the addresses", () => {
    render(<CreateTask />);
    fireEvent.change(screen.getByLabelText("Participant addresses"), {
      target: { value: "0x70997970c51812dc3A010C7d01b50e0d17dc79C8" },
    });
    expect(described("Participant addresses")).toMatch(/has a wrong checksum/);
  });

  it("puts the task's name and description into the spec it commits to", () => {
    render(<CreateTask />);
    type("Task name", "Breast cancer screening");
    fireEvent.change(screen.getByLabelText("Description"), { target: { value: "Three hospitals, 30 features." } });
    expect(asked.at(-1)).toMatchObject({
      name: "Breast cancer screening",
      description: "Three hospitals, 30 features.",
    });
    type("Task name", "x".repeat(81));
    expect(described("Task name")).toContain("81 characters: a name has at most 80");
    expect(asked.at(-1)).toBeUndefined();
  });
});

describe("CreateTask: the update encoding", () => {
  const select = (label: string, value: string) =>
    fireEvent.change(screen.getByLabelText(label), { target: { value } });
  const preview = (name: string) =>
    Array.from(screen.getByRole("rowheader", { name }).parentElement!.querySelectorAll("td"), (td) => td.textContent);

  it("offers the CLI's encodings and starts with today's codec, which stays out of the spec", () => {
    render(<CreateTask />);
    const options = Array.from((screen.getByLabelText("Compression") as HTMLSelectElement).options, (o) => o.value);
    expect(options).toEqual(["quant", "stochastic", "randk", "hash", "dct", "lowrank", "pca"]);
    expect(screen.getByTestId("compress-flag").textContent).toBe("Same as fl:create-task --compress none");
    expect(asked.at(-1)).not.toHaveProperty("encoding");
    expect(screen.getByRole("rowheader", { name: "Parameters" })).toBeTruthy();
  });

  it("puts a compression into the spec, takes the compressed defaults and compares the cost with uncompressed", () => {
    render(<CreateTask />);
    select("Compression", "randk");
    type("Compression ratio", "5");
    expect(screen.getByTestId("compress-flag").textContent).toBe("Same as fl:create-task --compress randk:5");
    expect(asked.at(-1)).toEqual({
      kind: "logreg",
      inputShape: [30],
      numClasses: 2,
      seed: 1,
      encoding: { kind: "randk", ratio: 5 },
    });
    expect(input("Value bits (b)").value).toBe(String(ENCODED_DEFAULTS.valueBits));
    expect(input("Clip bound (C)").value).toBe(String(ENCODED_DEFAULTS.clip));

    // The model has 62 parameters (the stubbed commitment); the planner's figures with and without randk:5.
    const compressed = taskSettings(62, {}, createEncoding({ kind: "randk", ratio: 5 }, { paramCount: 62 })).plan;
    const plain = taskSettings(62, { ...ENCODED_DEFAULTS }).plan;
    expect(screen.getAllByRole("columnheader").map((h) => h.textContent)).toEqual(["randk:5", "uncompressed"]);
    expect(preview("Values sent (with weight digits)")).toEqual([String(compressed.layout.paramCount), "62"]);
    expect(preview("Encrypted words")).toEqual([String(compressed.layout.wordCount), String(plain.layout.wordCount)]);
    expect(preview("Transactions per participant per round")).toEqual([
      String(compressed.txPerParticipant),
      String(plain.txPerParticipant),
    ]);
    expect(preview("Gas per participant per round")).toEqual([
      `${(compressed.gasPerParticipant / 1e3).toFixed(1)}k`,
      `${(plain.gasPerParticipant / 1e3).toFixed(1)}k`,
    ]);
    expect(preview("Input proofs per participant per round")).toEqual([
      String(compressed.proofsPerParticipant),
      String(plain.proofsPerParticipant),
    ]);
    expect(preview(CLIENT_ONE_THREAD_ROW)).toEqual([
      approxDuration(compressed.clientProofSeconds),
      approxDuration(plain.clientProofSeconds),
    ]);
    expect(compressed.layout.wordCount).toBeLessThan(plain.layout.wordCount);

    fireEvent.click(screen.getByLabelText(/Error feedback/));
    expect(asked.at(-1)).toMatchObject({ encoding: { kind: "randk", ratio: 5, feedback: false } });
    select("Compression", "quant");
    expect(input("Value bits (b)").value).toBe(String(TASK_DEFAULTS.valueBits));
    expect(asked.at(-1)).not.toHaveProperty("encoding");
  });

  it("pca: asks for public records, computes the basis from them, commits to its digest and keeps it on creation", async () => {
    wallet.status = "ready";
    try {
      render(<CreateTask />);
      select("Compression", "pca");
      expect(input("Input directions kept").value).toBe("");
      expect(screen.getByText(/pca takes its input basis from public records of the task's inputs/)).toBeTruthy();
      const header = ["label", ...Array.from({ length: 30 }, (_, j) => `f${j}`)].join(",");
      const rows = Array.from({ length: 60 }, (_, i) =>
        [i % 2, ...Array.from({ length: 30 }, (_, j) => Math.sin(i * 31 + j * 7) * (j + 1))].join(","),
      );
      const csv = new File([[header, ...rows].join("\n")], "public.csv", { type: "text/csv" });
      type("Input directions kept", "3");
      fireEvent.change(input("Public records"), { target: { files: [csv] } });
      const shown = await screen.findByTestId("public-basis");
      await waitFor(() => expect(asked.at(-1)).toMatchObject({ encoding: { kind: "pca", keep: 3 } }));
      const digest = (asked.at(-1) as ModelSpec).encoding!.basis!;
      expect(digest).toMatch(/^0x[0-9a-f]{64}$/);
      expect(shown.textContent).toMatch(
        /: 3 directions from \d+ records of public.csv \(their training split\), holding/,
      );
      expect(screen.getByTestId("compress-flag").textContent).toBe("Same as fl:create-task --compress pca:3");
      // 3 x 2 kernel values and 2 biases go on chain instead of 62 parameters.
      expect(preview("Values sent (with weight digits)")[1]).toBe("62");
      expect(Number(preview("Values sent (with weight digits)")[0])).toBeLessThan(62);
      fireEvent.click(screen.getByRole("button", { name: "Create task" }));
      await waitFor(() => expect(txRun).toHaveBeenCalled());
      const kept = await browserModelStore().getInputBasis(digest);
      expect([kept?.keep, kept?.features]).toEqual([3, 30]);
    } finally {
      wallet.status = "disconnected";
    }
  });

  it("starts a lenet model on its default, lowrank:11 at 4-bit values, and leaves it when the architecture changes back", () => {
    render(<CreateTask />);
    select("Architecture", "lenet");
    type("Input shape", "28, 28, 1");
    type("Classes", "10");
    expect((screen.getByLabelText("Compression") as HTMLSelectElement).value).toBe("lowrank");
    expect(input("Rank").value).toBe("11");
    expect(input("Value bits (b)").value).toBe(String(FOUR_BIT_DEFAULTS.valueBits));
    expect(input("Clip bound (C)").value).toBe(String(FOUR_BIT_DEFAULTS.clip));
    expect(screen.getByTestId("compress-flag").textContent).toBe("Same as fl:create-task --compress lowrank:11");
    expect(asked.at(-1)).toMatchObject({ kind: "lenet", encoding: { kind: "lowrank", rank: 11 } });
    select("Architecture", "logreg");
    expect((screen.getByLabelText("Compression") as HTMLSelectElement).value).toBe("quant");
    expect(input("Value bits (b)").value).toBe(String(TASK_DEFAULTS.valueBits));
    // A compression the owner picked stays.
    select("Compression", "hash");
    select("Architecture", "lenet");
    expect((screen.getByLabelText("Compression") as HTMLSelectElement).value).toBe("hash");
  });

  it("offers lowrank's kernel fill as a box: the flag and the spec follow it", () => {
    render(<CreateTask />);
    select("Architecture", "mlp");
    select("Compression", "lowrank");
    type("Rank", "5");
    const box = () => screen.getByRole("checkbox", { name: /^Kernel fill/ }) as HTMLInputElement;
    expect(box().checked).toBe(false);
    expect(screen.getByTestId("compress-flag").textContent).toBe("Same as fl:create-task --compress lowrank:5");
    fireEvent.click(box());
    expect(screen.getByTestId("compress-flag").textContent).toBe("Same as fl:create-task --compress lowrank:5-kernel");
    expect(asked.at(-1)).toMatchObject({ encoding: { kind: "lowrank", rank: 5, fill: "kernel" } });
    select("Compression", "hash");
    expect(screen.queryByRole("checkbox", { name: /^Kernel fill/ })).toBeNull();
    expect(asked.at(-1)).not.toHaveProperty("encoding.fill");
  });

  it("freezes the first layers on request: the spec says so, fewer words go on chain, a bad count is named", () => {
    render(<CreateTask />);
    const words = () => preview("Encrypted words");
    select("Architecture", "mlp");
    type("Hidden sizes", "8");
    select("Compression", "stochastic");
    const whole = words()[0];
    type("Frozen layers", "1");
    expect(asked.at(-1)).toMatchObject({ kind: "mlp", hidden: [8], frozenLayers: 1 });
    expect(Number(words()[0])).toBeLessThan(Number(whole));
    type("Frozen layers", "2");
    expect(described("Frozen layers")).toMatch(/frozenLayers must be an integer in \[1, 1\]: this mlp has 2 layers/);
    type("Frozen layers", "1.5");
    expect(described("Frozen layers")).toMatch(/the frozen layers are a whole number/);
    type("Frozen layers", "0");
    expect(asked.at(-1)).not.toHaveProperty("frozenLayers");
  });

  it("reads an uploaded spec's frozen layers, and asks for the model file of one that starts from published weights", async () => {
    render(<CreateTask />);
    const upload = (spec: object) =>
      fireEvent.change(screen.getByLabelText("Or upload an architecture JSON"), {
        target: { files: [new File([JSON.stringify(spec)], "spec.json", { type: "application/json" })] },
      });
    const mlp = { kind: "mlp", inputShape: [30], numClasses: 2, hidden: [8], seed: 3, frozenLayers: 1 };
    upload(mlp);
    await waitFor(() => expect(input("Frozen layers").value).toBe("1"));
    expect(asked.at(-1)).toMatchObject({ frozenLayers: 1, seed: 3 });
    upload({ ...mlp, initialWeights: "published" });
    await waitFor(() => expect(asked.at(-1)).toMatchObject({ initialWeights: "published", frozenLayers: 1 }));
    expect(described("Initial weights (model file)")).toMatch(
      /spec\.json starts from published weights: load the model file/,
    );
    expect(screen.getByTestId("model-status").textContent).toMatch(
      /load the model file it starts from \(Initial weights\)/,
    );
    expect(screen.queryByTestId("model-commitment")).toBeNull();
    // The seed again: the spec commits to its seeded model.
    fireEvent.click(screen.getByRole("button", { name: "Start from the seed instead" }));
    expect(asked.at(-1)).not.toHaveProperty("initialWeights");
    expect(screen.getByTestId("model-commitment").textContent).toMatch(/^266 parameters/);
  });

  describe("starting from a model file", () => {
    const loadModel = (value: unknown, name = "body.json") =>
      fireEvent.change(input("Initial weights (model file)"), {
        target: { files: [new File([JSON.stringify(value)], name, { type: "application/json" })] },
      });
    const weights = Array.from({ length: 62 }, (_, i) => i / 100 - 0.3);

    it("commits the task to the loaded weights, checks their size and reads only model files", async () => {
      render(<CreateTask />);
      loadModel({ spec: { kind: "logreg" }, commitment: "0x", weights });
      await waitFor(() => expect(asked.at(-1)).toMatchObject({ kind: "logreg", initialWeights: "published" }));
      const spec = asked.at(-1) as ModelSpec;
      expect(described("Initial weights (model file)")).toMatch(/Starting from body\.json \(62 values\), not the seed/);
      const hash = standInCommitment(spec, Float32Array.from(weights));
      expect(screen.getByTestId("model-commitment").textContent).toMatch(/^62 parameters; commitment/);
      expect(screen.getByTestId("model-commitment").querySelector("code")!.title).toBe(hash);
      // Another architecture: the same file no longer fits it.
      type("Input shape", "31");
      expect(screen.getByTestId("model-status").textContent).toBe(
        "the initial weights hold 62 values, the spec's model has 64 parameters",
      );
      type("Input shape", "30");
      loadModel({ weights: [1, "2"] }, "broken.json");
      await waitFor(() =>
        expect(described("Initial weights (model file)")).toMatch(
          /broken\.json: a model file is a JSON object whose "weights" is a list of finite numbers/,
        ),
      );
      // The file loaded before stays the task's start.
      expect(screen.getByTestId("model-commitment").querySelector("code")!.title).toBe(hash);
    });

    it("keeps the initial model in the browser's store before the task is created", async () => {
      wallet.status = "ready";
      try {
        render(<CreateTask />);
        loadModel({ weights });
        await waitFor(() => expect(asked.at(-1)).toMatchObject({ initialWeights: "published" }));
        const hash = standInCommitment(asked.at(-1) as ModelSpec, Float32Array.from(weights));
        fireEvent.click(screen.getByRole("button", { name: "Create task" }));
        await waitFor(() => expect(txRun).toHaveBeenCalled());
        const stored = await browserModelStore().getModel(hash);
        expect(Array.from(stored!.weights)).toEqual(Array.from(Float32Array.from(weights)));
        expect(stored!.spec).toMatchObject({ initialWeights: "published" });
      } finally {
        wallet.status = "disconnected";
      }
    });
  });

  it("keeps typed value bits when the encoding changes", () => {
    render(<CreateTask />);
    type("Value bits (b)", "6");
    select("Compression", "stochastic");
    expect(input("Value bits (b)").value).toBe("6");
    expect(input("Clip bound (C)").value).toBe(String(ENCODED_DEFAULTS.clip));
  });

  it("explains bad parameters and dct on a model without image inputs, and blocks creation", () => {
    render(<CreateTask />);
    select("Compression", "hash");
    type("Compression ratio", "1");
    expect(screen.getByText(/hash needs a ratio in \(1, 1000\]/)).toBeTruthy();
    expect(screen.queryByTestId("compress-flag")).toBeNull();
    expect(screen.queryByTestId("cost-preview")).toBeNull();
    expect((screen.getByRole("button", { name: "Create task" }) as HTMLButtonElement).disabled).toBe(true);
    select("Compression", "dct");
    type("Frequencies kept per side", "4");
    expect(screen.getByText(/the dct encoding compresses a first dense layer on images/)).toBeTruthy();
    type("Input shape", "8, 8");
    expect(screen.getByTestId("compress-flag").textContent).toBe("Same as fl:create-task --compress dct:4");
    expect(screen.getAllByRole("columnheader").map((h) => h.textContent)).toEqual(["dct:4", "uncompressed"]);
  });
});
