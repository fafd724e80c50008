#!/usr/bin/env node
/**
 * `flufhe node`: a participant node. Waits for the task's rounds, trains on private data, submits
 * its encrypted update, decrypts the revealed aggregate and evaluates. Progress bars on a terminal,
 * JSON lines with --json (or when stdout is not a terminal).
 */
import path from "node:path";
import { Command, InvalidArgumentError } from "commander";
import { SingleBar, Presets } from "cli-progress";
import { resolveSigner } from "./chain/account";
import { connectAggregator } from "./chain/aggregator";
import { readDeployment, type Deployment } from "./chain/deployment";
import { explainError } from "./chain/errors";
import { guardAgainstDroppedConnections, withRetry } from "./chain/retry";
import { openNetwork } from "./chain/network";
import { participantEncryption } from "./fhe/encryptPool";
import { initBackend, type BackendName } from "./ml/backend";
import { loadParticipantData, PARTITION_KINDS, type PartitionKind } from "./node/data";
import { runParticipant } from "./node/participant";
import { DEFAULT_WAIT_MS, type ParticipantEvent } from "./node/taskSession";
import { DEFAULT_MODEL_DIR, ModelDirectory, modelSources } from "./node/modelStore";
import { serveModels } from "./node/modelServer";
import { StateStore, defaultStatePath } from "./node/state";
import { NODE_TRAINING, TRAINING_RULES, participantSeed } from "./node/training";
import { specFromUri } from "./protocol/modelSpec";
import { DEFAULT_REPORT_DELTA, PrivacyLedger, formatEpsilon, formatLedger } from "./privacy/ledger";
import { dataRef, openDataPrivacy } from "./node/dataPrivacy";
import { PrivacyLedgerDirectory } from "./node/privacyLedgerFile";
import { POSITIVE, parseNumber, type NumberRule } from "./util/numbers";

/** A commander parser for a number that keeps `rule` (the same rules and messages as the Hardhat tasks). */
const numberFlag = (name: string, rule: NumberRule) => (value: string) => {
  try {
    return parseNumber(name, value, rule);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
};
const int = (name: string, min = 0) => numberFlag(name, { integer: true, min });
/** A share of a training set set aside as public data: a fraction in (0, 1). */
const PUBLIC_SHARE: NumberRule = { above: 0, max: 0.99 };

interface NodeOptions {
  network: string;
  rpc?: string;
  aggregator?: string;
  task: number;
  account: string;
  data: string;
  labelColumn?: string;
  limit?: number;
  client?: number;
  clients: number;
  partition: PartitionKind;
  alpha: number;
  epochs: number;
  batchSize: number;
  lr: number;
  proxMu: number;
  seed: number;
  state?: string;
  backend?: BackendName;
  retries: number;
  maxWaitMinutes: number;
  modelDir: string;
  models?: string;
  privacyBudget?: number;
  privacyDelta: number;
  privacyLedger?: string;
  encryptThreads?: number;
  permutePixels?: boolean;
  publicShare?: number;
  json?: boolean;
}

/** Renders events as progress bars (terminal) or JSON lines. */
function reporter(json: boolean): (event: ParticipantEvent) => void {
  if (json) return (event) => process.stdout.write(JSON.stringify({ t: Date.now(), ...event }) + "\n");
  let bar: SingleBar | undefined;
  return (event) => {
    switch (event.event) {
      case "chunk":
        if (!bar) {
          bar = new SingleBar(
            { format: `round ${event.round} submit [{bar}] {value}/{total} chunks` },
            Presets.shades_classic,
          );
          bar.start(event.of, 0);
        }
        bar.increment();
        return;
      case "submitted":
        bar?.stop();
        bar = undefined;
        console.log(`round ${event.round}: ${event.txs} transactions, ${event.gas} gas`);
        return;
      case "round-done":
        console.log(
          `round ${event.round}: accuracy ${(event.accuracy * 100).toFixed(2)}%, loss ${event.loss.toFixed(4)}`,
        );
        return;
      case "privacy-spent":
        console.log(
          `round ${event.round}: this data has now spent ε = ${formatEpsilon(event.epsilon)}` +
            (event.budget === undefined ? "" : ` of its budget ε = ${formatEpsilon(event.budget)}`),
        );
        return;
      case "model-fetched":
        console.log(
          `round ${event.round}: starting from its committed model ${event.commitment}, taken from ${event.source} ` +
            `(it hashes to the on-chain commitment)`,
        );
        return;
      default:
        console.log(JSON.stringify(event));
    }
  };
}

/** Where the node finds the chain: flags first, then the network's deployment file. */
function endpoints(o: NodeOptions): { rpc: string; aggregator: string; source: string } {
  let deployment: Deployment | undefined;
  try {
    deployment = readDeployment(o.network);
  } catch (error) {
    if (!o.aggregator) throw error;
  }
  return {
    rpc: o.rpc ?? deployment?.rpcUrl ?? "http://127.0.0.1:8545",
    aggregator: o.aggregator ?? deployment!.aggregator,
    source: o.aggregator ? "--aggregator" : `deployments/${o.network}.json`,
  };
}

async function runNode(o: NodeOptions): Promise<void> {
  const json = o.json ?? !process.stdout.isTTY;
  const log = (message: string) => process.stderr.write(`[node] ${message}\n`);
  const { rpc, aggregator: aggregatorAddress, source } = endpoints(o);
  const retry = { attempts: o.retries, onRetry: (n: number) => log(`RPC ${rpc} unreachable, retrying (${n})...`) };

  // Bad data fails fast, before anything touches the network.
  const dataSpec = {
    data: o.data,
    clientIndex: o.client,
    clients: o.clients,
    partition: o.partition,
    alpha: o.alpha,
    seed: o.seed,
    load: { labelColumn: o.labelColumn, limit: o.limit },
    permutePixels: o.permutePixels,
    publicShare: o.publicShare,
  };
  const loadData = (classNames?: string[]) =>
    loadParticipantData({ ...dataSpec, load: { ...dataSpec.load, classNames } });
  let data = loadData();
  const network = await withRetry(`connecting to ${rpc}`, () => openNetwork(rpc), retry);
  const encryption = participantEncryption(network, o.encryptThreads);
  log(encryption.description);
  try {
    const signer = await resolveSigner(network.provider, o.account);
    const account = await signer.getAddress();
    const aggregator = await connectAggregator(aggregatorAddress, signer, source);
    // Labels that are names map to classes through the task's list, identically for every participant.
    const { classNames } = specFromUri((await aggregator.getTask(o.task)).config.modelURI);
    if (classNames) data = loadData(classNames);
    log(`data: ${data.train.y.length} training samples, ${data.test.y.length} test samples`);
    await initBackend(o.backend, log);
    guardAgainstDroppedConnections(log, explainError);
    const statePath = o.state ?? defaultStatePath(o.task, account);
    const privacy = await openDataPrivacy(
      dataRef(dataSpec),
      {
        dir: o.privacyLedger,
        budget: o.privacyBudget === undefined ? undefined : { epsilon: o.privacyBudget, delta: o.privacyDelta },
      },
      log,
    );
    await runParticipant({
      aggregator,
      instance: network.fhevm.instance,
      encryptor: encryption.encryptor,
      signer,
      taskId: BigInt(o.task),
      train: data.train,
      test: data.test,
      training: {
        epochs: o.epochs,
        batchSize: o.batchSize,
        learningRate: o.lr,
        proxMu: o.proxMu,
        seed: participantSeed(o.seed, o.client),
      },
      state: new StateStore(statePath),
      privacy,
      waitMs: o.maxWaitMinutes * 60_000,
      modelCache: new ModelDirectory(o.modelDir),
      modelSources: modelSources(o.models ? o.models.split(",") : []),
      emit: reporter(json),
    });
  } finally {
    await encryption.close();
    network.close();
  }
}

const program = new Command()
  .name("flufhe")
  .description("FLuFHE: federated learning with fhEVM-encrypted, homomorphically aggregated updates");

program
  .command("node")
  .description("run a participant node for a task until its last round")
  .requiredOption("--task <id>", "task id", int("--task", 1))
  .requiredOption("--account <key|keystore|index>", "0x private key, keystore file, or devnet account index")
  .requiredOption("--data <name|path>", "breast-cancer, digits, mnist, fashion-mnist, or a CSV / IDX file")
  .option("--network <name>", "deployment to use (deployments/<name>.json)", "localhost")
  .option("--rpc <url>", "JSON-RPC endpoint (default: the deployment's, else http://127.0.0.1:8545)")
  .option("--aggregator <address>", "aggregator contract (default: from the deployment)")
  .option("--label-column <name>", "CSV: header of the label column")
  .option(
    "--limit <n>",
    "use only the first n samples of the data source (of its training set when its test set is fixed: MNIST, Fashion-MNIST)",
    int("--limit", 1),
  )
  .option("--client <i>", "simulate participant i of --clients on a seeded partition", int("--client"))
  .option("--clients <n>", "number of simulated participants", int("--clients", 1), 1)
  .option("--partition <kind>", `partition: ${PARTITION_KINDS.join(", ")}`, "iid")
  .option("--alpha <a>", "Dirichlet concentration", numberFlag("--alpha", POSITIVE), 0.5)
  .option("--epochs <n>", "local epochs per round", int("--epochs", 1), NODE_TRAINING.epochs)
  .option("--batch-size <n>", "batch size", int("--batch-size", 1), NODE_TRAINING.batchSize)
  .option("--lr <x>", "learning rate", numberFlag("--lr", TRAINING_RULES.learningRate), NODE_TRAINING.learningRate)
  .option("--prox-mu <x>", "FedProx proximal weight (0 = FedAvg)", numberFlag("--prox-mu", TRAINING_RULES.proxMu), 0)
  .option("--seed <n>", "seed of data split, partition and shuffling", int("--seed"), 1)
  .option("--state <file>", "resumable state file (default .flufhe/task-<id>-<account>.json)")
  .option("--backend <name>", "tfjs backend: node, wasm or cpu (default: fastest available)")
  .option("--retries <n>", "attempts to reach the RPC endpoint before giving up", int("--retries", 1), 5)
  .option(
    "--max-wait-minutes <n>",
    "give up when a round does not open or reveal within this time (the state file resumes a restarted node)",
    int("--max-wait-minutes", 1),
    DEFAULT_WAIT_MS / 60_000,
  )
  .option(
    "--model-dir <dir>",
    "where the node keeps the global models it computes (others may fetch them)",
    DEFAULT_MODEL_DIR,
  )
  .option(
    "--models <dir|url,...>",
    "where to fetch a round's committed model this node cannot rebuild (it joined late): directories or flufhe serve-models URLs",
  )
  .option(
    "--privacy-budget <epsilon>",
    "the most this training data may ever spend, over every task (rounds beyond it are refused)",
    numberFlag("--privacy-budget", POSITIVE),
  )
  .option(
    "--privacy-delta <delta>",
    "the delta of --privacy-budget",
    numberFlag("--privacy-delta", { above: 0, max: 0.5 }),
    DEFAULT_REPORT_DELTA,
  )
  .option("--privacy-ledger <dir>", "where the privacy ledger is kept (default ~/.flufhe/privacy)")
  .option(
    "--encrypt-threads <n>",
    "worker threads that encrypt and prove the update (default: cores - 1 on a real network; in-process on the mock devnet)",
    int("--encrypt-threads", 1),
  )
  .option(
    "--permute-pixels",
    "permute every image's pixels by one fixed public permutation (the tabular stand-in of the benchmarks)",
  )
  .option(
    "--public-share <fraction>",
    "with --client: the share of the training set the simulation set aside as public data before partitioning " +
      "(the demo's --public-share), so this partition is the one the owner planned with",
    numberFlag("--public-share", PUBLIC_SHARE),
  )
  .option("--json", "JSON lines on stdout")
  .action(async (options: NodeOptions) => {
    if (!PARTITION_KINDS.includes(options.partition)) {
      throw new InvalidArgumentError(`--partition must be one of ${PARTITION_KINDS.join(", ")}`);
    }
    await runNode(options);
  });

program
  .command("privacy")
  .description("print the privacy ledger: each data set's budget, the epsilon spent on it and by which task rounds")
  .option("--ledger <dir>", "the ledger directory (default ~/.flufhe/privacy)")
  .option("--json", "print JSON")
  .action(async (o: { ledger?: string; json?: boolean }) => {
    const report = await new PrivacyLedger(new PrivacyLedgerDirectory(o.ledger)).report();
    process.stdout.write((o.json ? JSON.stringify(report) : formatLedger(report)) + "\n");
  });

program
  .command("serve-models")
  .description("serve this machine's global models (<commitment>.json) read-only over HTTP, for late joiners")
  .option("--dir <dir>", "the models directory", DEFAULT_MODEL_DIR)
  .option("--host <host>", "address to listen on (0.0.0.0 to reach other machines)", "127.0.0.1")
  .option("--port <n>", "port", int("--port", 1), 8600)
  .action(async (o: { dir: string; host: string; port: number }) => {
    const server = await serveModels(o.dir, o.host, o.port);
    process.stderr.write(`[models] serving ${path.resolve(o.dir)} at ${server.url} (Ctrl-C to stop)\n`);
  });

program.parseAsync().catch((error: unknown) => {
  process.stderr.write(`flufhe: ${explainError(error)}\n`);
  process.exit(1);
});
