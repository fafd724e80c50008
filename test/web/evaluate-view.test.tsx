// @vitest-environment jsdom
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { buildModel, setFlatWeights } from "../../client/src/ml/models";
import { evaluate } from "../../client/src/ml/train";
import type { ModelSpec } from "../../client/src/protocol/modelSpec";
import { datasetFromFiles } from "../../web/src/model/dataFiles";
import { memoryStore } from "../../web/src/model/store";
import { initialWeights, loadTf, tfjsFiles } from "../../web/src/model/tfjs";
import { EvaluateModel, storedOptions } from "../../web/src/views/EvaluateModel";

// jsdom: the page as a user drives it. No commitments are computed here (ethers' sha256 rejects jsdom's
// typed arrays): the model comes as a TensorFlow.js download without the spec in its metadata.
afterEach(cleanup);

const SPEC: ModelSpec = { kind: "mlp", inputShape: [3], hidden: [4], numClasses: 2, seed: 9 };
/** A distinctive value: no request may carry it. */
const SECRET = "31.4159265";
const CSV = ["x1,x2,x3,y", `${SECRET},2,1,1`, "0.5,-1,0,0", "2.5,0.25,1,1", "-1,3,0,0", "0,0,1,1"].join("\n");

describe("storedOptions", () => {
  it("lists this deployment's models, newest task and round first, each commitment once", () => {
    const scope = "31337:0xabc:";
    const c = (n: number) => "0x" + String(n).repeat(64);
    const records = [
      { task: `${scope}1`, afterRound: 0, commitment: c(1) },
      { task: `${scope}1`, afterRound: 1, commitment: c(2) },
      { task: `${scope}10`, afterRound: 0, commitment: c(1) },
      { task: "1:0xother:1", afterRound: 3, commitment: c(3) },
    ];
    const short = (h: string) => `${h.slice(0, 10)}…${h.slice(-6)}`;
    expect(storedOptions(records, scope).map((o) => o.label)).toEqual([
      `Task #10 — initial model (${short(c(1))})`,
      `Task #1 — model after round 1 (${short(c(2))})`,
    ]);
  });
});

describe("EvaluateModel", () => {
  let files: File[];
  let expected: number;
  let expectedLoss: number;

  beforeAll(async () => {
    await loadTf();
    const weights = (await initialWeights(SPEC)).map((w, i) => w + Math.sin(i) * 0.5);
    const out = await tfjsFiles(SPEC, weights, "flufhe-task1-after-round2", {});
    files = [
      new File([out.json], out.jsonName, { type: "application/json" }),
      new File([out.bin], out.binName, { type: "application/octet-stream" }),
    ];
    const model = buildModel(SPEC);
    setFlatWeights(model, weights);
    const data = datasetFromFiles([{ name: "d.csv", bytes: new TextEncoder().encode(CSV) }], SPEC, {
      labelColumn: "y",
      standardise: true,
    });
    ({ accuracy: expected, loss: expectedLoss } = evaluate(model, data));
    model.dispose();
  });

  it("evaluates picked TensorFlow.js files on a picked CSV without sending anything", async () => {
    const fetchSpy = vi.spyOn(globalThis, "fetch");
    const xhr = vi.spyOn(XMLHttpRequest.prototype, "send");
    render(<EvaluateModel scope="31337:0xabc:" store={memoryStore()} />);
    await screen.findByText(/keeps no model of this deployment/);
    expect((screen.getByRole("radio", { name: "From files" }) as HTMLInputElement).checked).toBe(true);
    fireEvent.change(screen.getByLabelText("Model files"), { target: { files } });
    fireEvent.change(screen.getByLabelText("Data file"), { target: { files: [new File([CSV], "private.csv")] } });
    fireEvent.change(screen.getByLabelText("Label column"), { target: { value: "y" } });
    fireEvent.click(screen.getByRole("button", { name: "Evaluate" }));
    const accuracy = await screen.findByTestId("eval-accuracy", {}, { timeout: 20_000 });
    expect(Number(accuracy.getAttribute("data-value"))).toBe(expected);
    // The download ends in softmax (no spec in its metadata here): the loss is still the nodes' cross-entropy.
    expect(Number(screen.getByTestId("eval-loss").getAttribute("data-value"))).toBeCloseTo(expectedLoss, 5);
    expect(screen.getByTestId("eval-samples").textContent).toBe("5");
    expect(screen.getByText(/private\.csv \(read in this page only\)/)).toBeTruthy();
    expect(fetchSpy).not.toHaveBeenCalled();
    expect(xhr).not.toHaveBeenCalled();
    fetchSpy.mockRestore();
    xhr.mockRestore();
  });

  it("says what is wrong with the data, as an alert", async () => {
    render(<EvaluateModel scope="31337:0xabc:" store={memoryStore()} />);
    await screen.findByText(/keeps no model of this deployment/);
    fireEvent.change(screen.getByLabelText("Model files"), { target: { files } });
    fireEvent.change(screen.getByLabelText("Data file"), { target: { files: [new File([CSV], "private.csv")] } });
    fireEvent.click(screen.getByRole("button", { name: "Evaluate" }));
    await waitFor(() => expect(screen.getByRole("alert").textContent).toMatch(/no column named "label"/), {
      timeout: 20_000,
    });
  });
});
