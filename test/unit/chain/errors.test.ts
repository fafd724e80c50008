import { describe, expect, it } from "vitest";
import { HINTS, decodeRevert, explainError } from "../../../client/src/chain/errors";
import { FLuFHEAggregator__factory } from "../../../types";
import {
  AGGREGATOR_SOURCE,
  FHEVM_LIBRARY_ERRORS,
  INTERFACE_SOURCE,
  aggregatorErrorDocs,
  compiledDocs,
  docOf,
  undocumentedNumbers,
} from "../../shared/natspec";

const abiErrors = FLuFHEAggregator__factory.abi.filter((f) => f.type === "error").map((f) => f.name);

describe("CLI revert hints", () => {
  it("say what to do for every custom error in the aggregator's ABI, and only for those", () => {
    expect(Object.keys(HINTS).sort()).toEqual([...abiErrors].sort());
  });

  it("decode a revert with its arguments and the hint", () => {
    const iface = FLuFHEAggregator__factory.createInterface();
    const data = iface.encodeErrorResult("ChunkTooLarge", [68, 67]);
    expect(decodeRevert({ data })?.message).toMatch(/^ChunkTooLarge\(wordsPerChunk=68, max=67\): use at most/);
    expect(explainError({ error: { data } })).toMatch(/^reverted with ChunkTooLarge/);
  });
});

describe("what each custom error means: its NatSpec, the one source", () => {
  const docs = aggregatorErrorDocs();

  it("documents every error of the aggregator's ABI: @notice, @dev (when it is raised) and every @param", () => {
    expect(Object.keys(docs).sort()).toEqual([...abiErrors].sort());
    const gaps = Object.values(docs).flatMap((doc) => [
      ...(doc.notice ? [] : [`${doc.name}: no @notice`]),
      ...(doc.details ? [] : [`${doc.name}: no @dev`]),
      ...doc.inputs.filter((p) => !doc.params[p]?.trim()).map((p) => `${doc.name}: no @param ${p}`),
      ...Object.keys(doc.params)
        .filter((p) => !doc.inputs.includes(p))
        .map((p) => `${doc.name}: @param ${p} is not a parameter`),
    ]);
    expect(gaps).toEqual([]);
  });

  it("keeps out-of-source documentation to the fhEVM library's errors, the ones IFLuFHEAggregator does not declare", () => {
    const { abi } = compiledDocs(INTERFACE_SOURCE, "IFLuFHEAggregator");
    const declared = new Set(abi.filter((e) => e.type === "error").map((e) => e.name!));
    expect(Object.keys(FHEVM_LIBRARY_ERRORS).sort()).toEqual(abiErrors.filter((n) => !declared.has(n)).sort());
  });

  it("says, for each of our errors, which function raises it", () => {
    const functions = FLuFHEAggregator__factory.abi.filter((f) => f.type === "function").map((f) => f.name);
    const silent = Object.values(docs)
      .filter((doc) => doc.source === "natspec")
      .filter((doc) => !functions.some((fn) => doc.details.includes(`\`${fn}\``)))
      .map((doc) => doc.name);
    expect(silent).toEqual([]);
  });

  it("backs every number a CLI hint quotes with the error's NatSpec (test/web/errors.test.tsx: the web's)", () => {
    const undocumented = Object.entries(HINTS).flatMap(([name, hint]) =>
      undocumentedNumbers(hint, docs[name]).map((n) => `${name}: ${n}`),
    );
    expect(undocumented).toEqual([]);
  });
});

describe("the aggregator's interface, documented to OpenZeppelin's standard", () => {
  const iface = compiledDocs(INTERFACE_SOURCE, "IFLuFHEAggregator");
  const aggregator = compiledDocs(AGGREGATOR_SOURCE, "FLuFHEAggregator");
  const entries = (type: string) => iface.abi.filter((e) => e.type === type);

  it("declares every function the aggregator itself defines", () => {
    // confidentialProtocolId comes from ZamaEthereumConfig, the fhEVM's configuration base contract.
    const own = aggregator.abi
      .filter((e) => e.type === "function" && e.name !== "confidentialProtocolId")
      .map((e) => e.name);
    expect(
      entries("function")
        .map((e) => e.name)
        .sort(),
    ).toEqual(own.sort());
  });

  it("gives every function a @notice, a @dev, every @param and every @return", () => {
    const gaps = entries("function").flatMap((fn) => {
      const dev = docOf(iface.devdoc.methods, fn);
      const returns = Object.keys(dev.returns ?? {});
      return [
        ...(docOf(iface.userdoc.methods, fn).notice ? [] : [`${fn.name}: no @notice`]),
        ...(dev.details ? [] : [`${fn.name}: no @dev`]),
        ...(fn.inputs ?? []).filter((p) => !dev.params?.[p.name]).map((p) => `${fn.name}: no @param ${p.name}`),
        ...(returns.length === (fn.outputs ?? []).length ? [] : [`${fn.name}: ${returns.length} @return`]),
      ];
    });
    expect(gaps).toEqual([]);
  });

  it("documents every event (Emitted when ..., every @param) and names each in the @dev of a function that emits it", () => {
    const devs = entries("function")
      .map((fn) => docOf(iface.devdoc.methods, fn).details ?? "")
      .join(" ");
    const gaps = entries("event").flatMap((ev) => {
      const params = docOf(iface.devdoc.events, ev).params ?? {};
      return [
        ...(/^Emitted when /.test(docOf(iface.userdoc.events, ev).notice ?? "")
          ? []
          : [`${ev.name}: no "Emitted when"`]),
        ...(ev.inputs ?? []).filter((p) => !params[p.name]).map((p) => `${ev.name}: no @param ${p.name}`),
        ...(devs.includes(`{${ev.name}}`) ? [] : [`${ev.name}: no function says it emits it`]),
      ];
    });
    expect(gaps).toEqual([]);
  });

  it("names in 'Emits a {X} event' only events the aggregator's ABI has", () => {
    const events = new Set(aggregator.abi.filter((e) => e.type === "event").map((e) => e.name));
    const named = entries("function").flatMap((fn) =>
      [...(docOf(iface.devdoc.methods, fn).details ?? "").matchAll(/\{(\w+)\}/g)].map((m) => m[1]),
    );
    expect(named.filter((name) => !events.has(name))).toEqual([]);
  });
});
