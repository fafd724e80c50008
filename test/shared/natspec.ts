/**
 * The aggregator's NatSpec as the compiler saw it: the one source of what each function, event and custom
 * error MEANS. The CLI's and the web app's hint tables (client/src/chain/errors.ts, web/src/errors.ts) only
 * say what to do; their tests check them against the documentation read here.
 *
 * Read from Hardhat's build-info (run `npx hardhat compile` first): the compiler's `metadata` output, which
 * hardhat.config.ts selects, carries the contract's `devdoc` and `userdoc` (inherited NatSpec resolved).
 */
import { readFileSync } from "node:fs";
import path from "node:path";

const ROOT = path.resolve(__dirname, "../..");

interface AbiInput {
  name: string;
  type: string;
  components?: AbiInput[];
}

/** One ABI entry (function, event, error...). */
export interface AbiEntry {
  type: string;
  name?: string;
  inputs?: AbiInput[];
  outputs?: AbiInput[];
}

/** One function's, event's or error's devdoc/userdoc entry. */
export interface DocEntry {
  notice?: string;
  details?: string;
  params?: Record<string, string>;
  returns?: Record<string, string>;
}

type DocSection = Record<string, DocEntry | DocEntry[]>;

interface NatSpecDoc {
  methods?: DocSection;
  events?: DocSection;
  errors?: DocSection;
  stateVariables?: Record<string, DocEntry & { return?: string }>;
  notice?: string;
  details?: string;
}

/** A compiled contract's ABI and NatSpec. */
export interface CompiledDocs {
  abi: AbiEntry[];
  devdoc: NatSpecDoc;
  userdoc: NatSpecDoc;
}

/**
 * ABI and NatSpec of `contract` in `source` (a path under contracts/), from the build-info its artifact
 * points to.
 */
export function compiledDocs(source: string, contract: string): CompiledDocs {
  const artifactDir = path.join(ROOT, "artifacts", source);
  let buildInfoPath: string;
  try {
    const dbg = JSON.parse(readFileSync(path.join(artifactDir, `${contract}.dbg.json`), "utf8")) as {
      buildInfo: string;
    };
    buildInfoPath = path.resolve(artifactDir, dbg.buildInfo);
  } catch (error) {
    throw new Error(`no compiled ${contract}: run \`npx hardhat compile\` first (${(error as Error).message})`);
  }
  const buildInfo = JSON.parse(readFileSync(buildInfoPath, "utf8")) as {
    output: { contracts: Record<string, Record<string, { metadata?: string }>> };
  };
  const metadata = buildInfo.output.contracts[source]?.[contract]?.metadata;
  if (!metadata) throw new Error(`${buildInfoPath} has no metadata for ${source}:${contract}`);
  const { output } = JSON.parse(metadata) as { output: CompiledDocs };
  return { abi: output.abi, devdoc: output.devdoc ?? {}, userdoc: output.userdoc ?? {} };
}

export const AGGREGATOR_SOURCE = "contracts/FLuFHEAggregator.sol";
export const INTERFACE_SOURCE = "contracts/interfaces/IFLuFHEAggregator.sol";

/** The canonical signature `Name(type,...)` NatSpec is keyed by (tuples spelled out). */
export function signature(entry: AbiEntry): string {
  const type = (input: AbiInput): string =>
    input.type.startsWith("tuple")
      ? `(${(input.components ?? []).map(type).join(",")})${input.type.slice("tuple".length)}`
      : input.type;
  return `${entry.name}(${(entry.inputs ?? []).map(type).join(",")})`;
}

/** The documentation of one ABI entry in a devdoc/userdoc section (errors come as arrays: one per declaration). */
export function docOf(section: DocSection | undefined, entry: AbiEntry): DocEntry {
  const doc = section?.[signature(entry)];
  return (Array.isArray(doc) ? doc[0] : doc) ?? {};
}

/**
 * ---- fhEVM LIBRARY ERRORS: the only error documentation kept outside the Solidity sources. ----
 * These errors reach the aggregator's ABI from @fhevm/solidity (library FHE, library ZamaConfig), whose
 * NatSpec gives each a one-line @notice and no @dev or @param. What they mean for THIS contract (which call
 * raises them, and when) is documented here; the @notice still comes from the compiled library NatSpec.
 * test/unit/chain/errors.test.ts checks this table names exactly the ABI errors IFLuFHEAggregator does not
 * declare.
 */
export const FHEVM_LIBRARY_ERRORS: Record<
  string,
  { declaredIn: string; details: string; params: Record<string, string> }
> = {
  InvalidKMSSignatures: {
    declaredIn: "@fhevm/solidity/lib/FHE.sol (library FHE)",
    details:
      "Raised by `publishClearAggregate` (through `FHE.checkSignatures`) when `decryptionProof` does not carry " +
      "valid KMS signatures for the batch's handles, in that order, and `abiEncodedClears`: the proof belongs " +
      "to other handles or values, or the clear values were changed.",
    params: {},
  },
  SenderNotAllowedToUseHandle: {
    declaredIn: "@fhevm/solidity/lib/FHE.sol (library FHE)",
    details:
      "Declared by `FHE.fromExternal`, which raises it for an input handle passed without a proof that the " +
      "ACL does not allow `sender` to use. `submitChunk` never gets there: it rejects an empty proof first " +
      "(`EmptyInputProof`), and a proof made for another account or contract fails in the fhEVM's " +
      "InputVerifier instead, with an error that is not in this ABI.",
    params: {
      handle: "the encrypted input handle passed without a proof.",
      sender: "the account that passed it.",
    },
  },
  ZamaProtocolUnsupported: {
    declaredIn: "@fhevm/solidity/config/ZamaConfig.sol (library ZamaConfig)",
    details:
      "Raised when the aggregator is deployed (constructor of `ZamaEthereumConfig`) on a chain other than " +
      "Ethereum mainnet (1), Sepolia (11155111) or a local Hardhat chain (31337): no fhEVM is configured " +
      "for it. A deployed aggregator never raises it.",
    params: {},
  },
};

/** What one custom error of the aggregator's ABI means: @notice, @dev (when it is raised) and each @param. */
export interface ErrorDoc {
  name: string;
  /** The error's parameter names, in order. */
  inputs: string[];
  notice: string;
  details: string;
  params: Record<string, string>;
  /** Where it is documented: our Solidity sources or the fhEVM library table above. */
  source: "natspec" | "fhevm-library-table";
}

/** The documentation of every custom error in the deployed aggregator's ABI, by name. */
export function aggregatorErrorDocs(): Record<string, ErrorDoc> {
  const { abi, devdoc, userdoc } = compiledDocs(AGGREGATOR_SOURCE, "FLuFHEAggregator");
  const out: Record<string, ErrorDoc> = {};
  for (const entry of abi.filter((e) => e.type === "error")) {
    const name = entry.name!;
    const dev = docOf(devdoc.errors, entry);
    const user = docOf(userdoc.errors, entry);
    const library = FHEVM_LIBRARY_ERRORS[name];
    out[name] = {
      name,
      inputs: (entry.inputs ?? []).map((i) => i.name),
      notice: (user.notice ?? "").trim(),
      details: (library?.details ?? dev.details ?? "").trim(),
      params: { ...(dev.params ?? {}), ...(library?.params ?? {}) },
      source: library ? "fhevm-library-table" : "natspec",
    };
  }
  return out;
}

/** All of an error's documentation as one text (to check what a hint states against). */
export function errorDocText(doc: ErrorDoc): string {
  return [doc.notice, doc.details, ...Object.values(doc.params)].join(" ");
}

/** The numbers a text states ("2^valueBits - 1" states 2 and 1; "0.000001" is one number). */
export function statedNumbers(text: string): string[] {
  return [...new Set(text.match(/\d+(?:\.\d+)?/g) ?? [])];
}

/**
 * The numbers `hint` states that the error's NatSpec does not: a hint may say what to do, but every limit
 * it quotes must be one the error's documentation gives.
 */
export function undocumentedNumbers(hint: string, doc: ErrorDoc): string[] {
  const documented = new Set(statedNumbers(errorDocText(doc)));
  return statedNumbers(hint).filter((n) => !documented.has(n));
}
