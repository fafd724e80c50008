/**
 * The stack every browser e2e (and `npm run bench:participate`) runs against, started in one call and
 * stopped by PID in another: `next build` when web/ changed, a Hardhat fhEVM devnet on 127.0.0.1, the
 * aggregator deployed from account 0 with the deployment file the app reads (deployment.ts), the
 * participants' fhEVM connection, `next start` on a free 127.0.0.1 port and Chromium profiles. Vitest
 * suites get it through useWebStack (fixture.ts); a script calls start() and stop() itself.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { JsonRpcProvider } from "ethers";
import type { BrowserContext } from "playwright-core";
import { openNetwork, type Network } from "../../../client/src/chain/network";
import { FLuFHEAggregator__factory, type FLuFHEAggregator } from "../../../types";
import { freePort, startDevnet, type Devnet } from "../../../scripts/lib/devnet";
import type { ParticipantProcess } from "../../../scripts/lib/participants";
import { deployForApp, type AppDeployment } from "./deployment";
import {
  ConsoleLog,
  FailureArtifacts,
  closeChromium,
  ensureBuild,
  launchChromium,
  log,
  startNext,
  stopAllChildren,
  stopChild,
} from "./harness";

export interface WebStackOptions {
  /** Names the temporary directory: <os tmp>/flufhe-<name>-XXXXXX. */
  name: string;
  /** Chromium profiles to launch, each its own persistent context (default 1). */
  browsers?: number;
  /**
   * Runs once the chain is up (devnet, aggregator, network) and before `next start`: the suite's own
   * chain state and files. What it returns is added to the server's environment.
   */
  prepare?: (stack: WebStack) => Promise<Record<string, string> | void>;
}

/** What start() sets up; stop() ends what of it exists. */
interface Parts {
  devnet?: Devnet;
  provider?: JsonRpcProvider;
  deployment?: AppDeployment;
  network?: Network;
  next?: ChildProcess;
  base?: string;
  contexts: BrowserContext[];
}

function running<T>(part: T | undefined, what: string): T {
  if (part === undefined) throw new Error(`the web stack's ${what} is not running (start() has not got there)`);
  return part;
}

export class WebStack {
  /** A fresh directory for the run's files (deployment, profiles, the suite's own); removed by stop(). */
  readonly tmp: string;
  /** Chromium's profile directories, one per browser. */
  readonly profiles: string[];
  readonly consoleLog = new ConsoleLog();
  readonly artifacts = new FailureArtifacts(this.consoleLog);
  /** Participant processes the suite starts: stop() kills them first (also after a failed step). */
  readonly processes: ParticipantProcess[] = [];
  private parts: Parts = { contexts: [] };
  /** Set by stop(): a start() still under way (a hook timeout stopped it) stops what it starts after that. */
  private stopped = false;

  constructor(private readonly options: WebStackOptions) {
    this.tmp = mkdtempSync(path.join(os.tmpdir(), `flufhe-${options.name}-`));
    this.profiles = Array.from({ length: options.browsers ?? 1 }, (_, i) => path.join(this.tmp, `chromium-${i}`));
  }

  /** Starts everything in order; a failure stops what already started before it is rethrown. */
  async start(): Promise<void> {
    try {
      await ensureBuild();
      this.checkNotStopped();
      const devnet = (this.parts.devnet = await startDevnet());
      this.checkNotStopped();
      log(`devnet ${devnet.url} (pid ${devnet.pid})`);
      const provider = (this.parts.provider = new JsonRpcProvider(devnet.url, undefined, {
        cacheTimeout: -1,
        staticNetwork: true,
      }));
      this.parts.deployment = await deployForApp(devnet, provider, this.tmp);
      this.parts.network = await openNetwork(devnet.url);
      this.checkNotStopped();
      const env = (await this.options.prepare?.(this)) ?? {};
      const port = await freePort();
      this.checkNotStopped();
      this.parts.next = await startNext(port, {
        FLUFHE_DEPLOYMENTS_DIR: this.parts.deployment.deploymentsDir,
        FLUFHE_NETWORK: "localhost",
        FLUFHE_RPC_URL: "", // the node comes from the deployment's rpcUrl
        ...env,
      });
      this.checkNotStopped();
      this.parts.base = `http://127.0.0.1:${port}`;
      log(`next start ${this.parts.base} (pid ${this.parts.next.pid})`);
      for (const profile of this.profiles) {
        this.parts.contexts.push(await launchChromium(profile));
        this.checkNotStopped();
      }
    } catch (error) {
      await this.stop().catch((e: unknown) => log(`stopping after a failed start: ${String(e)}`));
      throw error;
    }
  }

  private checkNotStopped(): void {
    if (this.stopped) throw new Error("the web stack was stopped while it started");
  }

  /**
   * Stops what start() started and the suite's participant processes, each by PID, then removes the
   * temporary directory. Every part is stopped even if another fails; the first error is rethrown.
   * Safe to call again (and before start); the stack cannot start again.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    const { devnet, provider, network, next, contexts } = this.parts;
    this.parts = { contexts: [] };
    const errors: unknown[] = [];
    const attempt = async (work: () => unknown) => {
      try {
        await work();
      } catch (error) {
        errors.push(error);
      }
    };
    await attempt(() => this.processes.forEach((p) => p.kill()));
    // Profiles without a context too: Chromium processes left by a launch that failed half-way.
    for (const [i, profile] of this.profiles.entries()) await attempt(() => closeChromium(contexts[i], profile));
    await attempt(() => stopChild(next));
    await attempt(() => devnet?.stop());
    await attempt(() => stopAllChildren()); // e.g. a build still running after a hook timeout
    await attempt(() => network?.close());
    await attempt(() => provider?.destroy());
    await attempt(() => rmSync(this.tmp, { recursive: true, force: true }));
    if (errors.length > 0) throw errors[0];
  }

  get devnet(): Devnet {
    return running(this.parts.devnet, "devnet");
  }
  /** A provider on the devnet that reads fresh every time (ethers' cache off) and signs as its accounts. */
  get provider(): JsonRpcProvider {
    return running(this.parts.provider, "provider");
  }
  /** The participants' fhEVM connection (its own provider). */
  get network(): Network {
    return running(this.parts.network, "fhEVM connection");
  }
  /** The aggregator's address. */
  get address(): string {
    return running(this.parts.deployment, "aggregator").address;
  }
  /** The aggregator, connected to `provider` (connect a signer to send). */
  get aggregator(): FLuFHEAggregator {
    return FLuFHEAggregator__factory.connect(this.address, this.provider);
  }
  /** The app's URL: http://127.0.0.1:<port>. */
  get base(): string {
    return running(this.parts.base, "web server");
  }
  /** One Chromium context per profile. */
  get contexts(): BrowserContext[] {
    if (this.parts.contexts.length < this.profiles.length) throw new Error("the web stack's browsers are not running");
    return this.parts.contexts;
  }
}
