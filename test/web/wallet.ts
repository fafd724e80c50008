/**
 * An injected EIP-1193 test wallet for browser tests: the page gets `window.ethereum` (and an EIP-6963
 * announcement) whose every request is forwarded through a Playwright binding to this process, which
 * signs locally with a devnet key and forwards reads to the node. It can be told to reject the next
 * call of a method (a user clicking "Reject") and starts on a chain of the test's choosing.
 */
import { Wallet, getAddress, type JsonRpcProvider, type TransactionRequest } from "ethers";
import type { Page } from "playwright-core";

interface RpcError {
  code: number;
  message: string;
  data?: unknown;
}

type Answer = { result: unknown } | { error: RpcError };

/** Runs in the page before any of its scripts (a string, so this file needs no DOM types). */
const INJECTED = `(() => {
  const listeners = {};
  const provider = {
    isFLuFHETestWallet: true,
    async request({ method, params }) {
      const answer = await window.__e2eWallet(method, params === undefined ? [] : params);
      if (answer.error) {
        const error = new Error(answer.error.message);
        error.code = answer.error.code;
        if (answer.error.data !== undefined) error.data = answer.error.data;
        throw error;
      }
      return answer.result;
    },
    on(event, fn) { (listeners[event] = listeners[event] || []).push(fn); return provider; },
    removeListener(event, fn) {
      listeners[event] = (listeners[event] || []).filter((f) => f !== fn);
      return provider;
    },
  };
  window.__e2eEmit = (event, value) => (listeners[event] || []).slice().forEach((fn) => fn(value));
  window.ethereum = provider;
  const info = Object.freeze({
    uuid: "6f1c1a52-6a43-4b7e-9d59-3f1f0c0e2e01",
    name: "E2E Test Wallet",
    icon: "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 8 8'%3E%3Crect width='8' height='8' fill='%23888'/%3E%3C/svg%3E",
    rdns: "dev.flufhe.e2e",
  });
  const announce = () =>
    window.dispatchEvent(new CustomEvent("eip6963:announceProvider", { detail: Object.freeze({ info, provider }) }));
  window.addEventListener("eip6963:requestProvider", announce);
  announce();
})();`;

const hex = (n: number | bigint) => "0x" + n.toString(16);
const big = (v: unknown) => (v === undefined || v === null ? undefined : BigInt(v as string));

export class TestWallet {
  chainId: number;
  connected = false;
  /** Method names whose next call the "user" rejects (EIP-1193 code 4001). */
  readonly rejectNext = new Set<string>();
  /** Every method the page asked for, in order (for assertions). */
  readonly calls: string[] = [];
  /** Answers EIP-5792 (wallet_getCapabilities, wallet_sendCalls, wallet_getCallsStatus) when set. */
  batchCalls = false;
  private readonly batches = new Map<string, string[]>();
  private readonly signer: Wallet;
  private readonly pages = new Set<Page>();

  constructor(
    privateKey: string,
    private readonly node: JsonRpcProvider,
    private readonly nodeChainId: number,
    startChainId: number,
  ) {
    this.signer = new Wallet(privateKey, node);
    this.chainId = startChainId;
  }

  get address(): string {
    return this.signer.address;
  }

  /** Injects the wallet into a page (before its scripts run) and routes its requests here. */
  async attach(page: Page): Promise<void> {
    this.pages.add(page);
    await page.exposeFunction("__e2eWallet", (method: string, params: unknown[]) => this.handle(method, params));
    await page.addInitScript(INJECTED);
  }

  /** What a wallet user does in the wallet's own UI: switch its network (emits chainChanged). */
  async setChain(chainId: number): Promise<void> {
    this.chainId = chainId;
    await this.emit("chainChanged", hex(chainId));
  }

  private async emit(event: string, value: unknown): Promise<void> {
    for (const page of this.pages) {
      if (!page.isClosed()) await page.evaluate(`window.__e2eEmit(${JSON.stringify(event)}, ${JSON.stringify(value)})`);
    }
  }

  private async handle(method: string, params: unknown[]): Promise<Answer> {
    this.calls.push(method);
    if (this.rejectNext.delete(method)) return { error: { code: 4001, message: "User rejected the request." } };
    try {
      return { result: await this.answer(method, params) };
    } catch (error) {
      const e = error as { code?: unknown; message?: string; data?: unknown; info?: { error?: RpcError } };
      const inner = e.info?.error;
      return {
        error: {
          code: typeof inner?.code === "number" ? inner.code : typeof e.code === "number" ? e.code : -32603,
          message: inner?.message ?? e.message ?? String(error),
          data: inner?.data ?? e.data,
        },
      };
    }
  }

  private async answer(method: string, params: unknown[]): Promise<unknown> {
    switch (method) {
      case "eth_requestAccounts":
        this.connected = true;
        return [this.address];
      case "eth_accounts":
        return this.connected ? [this.address] : [];
      case "eth_chainId":
        return hex(this.chainId);
      case "net_version":
        return String(this.chainId);
      case "wallet_requestPermissions":
        this.connected = true;
        return [{ parentCapability: "eth_accounts" }];
      case "wallet_revokePermissions":
        this.connected = false;
        return null;
      case "wallet_switchEthereumChain": {
        const id = Number(BigInt((params[0] as { chainId: string }).chainId));
        if (id !== this.nodeChainId) throw Object.assign(new Error(`unknown chain ${id}`), { code: 4902 });
        await this.setChain(id);
        return null;
      }
      case "wallet_addEthereumChain":
        return null;
      case "eth_sendTransaction":
        return this.send(params[0] as Record<string, unknown>);
      case "eth_signTypedData_v4":
        return this.signTypedData(params[0] as string, params[1]);
      case "wallet_getCapabilities":
      case "wallet_sendCalls":
      case "wallet_getCallsStatus":
        if (!this.batchCalls) throw Object.assign(new Error(`the method ${method} does not exist`), { code: -32601 });
        return this.batch(method, params);
      case "personal_sign":
        return this.signer.signMessage(Buffer.from((params[0] as string).slice(2), "hex"));
      default:
        if (this.chainId !== this.nodeChainId)
          throw new Error(`the test wallet only reaches chain ${this.nodeChainId}`);
        return this.node.send(method, params);
    }
  }

  private async send(tx: Record<string, unknown>): Promise<string> {
    if (getAddress(tx.from as string) !== this.address) throw new Error(`cannot sign for ${tx.from}`);
    const request: TransactionRequest = {
      to: tx.to as string | undefined,
      data: tx.data as string | undefined,
      value: big(tx.value),
      gasLimit: big(tx.gas ?? tx.gasLimit),
      chainId: this.nodeChainId,
    };
    return (await this.signer.sendTransaction(request)).hash;
  }

  /** EIP-5792 v2, not atomic: the calls are sent one after the other (the wallet estimates their gas). */
  private async batch(method: string, params: unknown[]): Promise<unknown> {
    if (method === "wallet_getCapabilities") return { [hex(this.nodeChainId)]: { atomic: { status: "unsupported" } } };
    if (method === "wallet_sendCalls") {
      const { from, calls } = params[0] as { from: string; calls: { to: string; data: string; value?: string }[] };
      const hashes: string[] = [];
      for (const call of calls) hashes.push(await this.send({ from, ...call }));
      const id = `batch-${this.batches.size + 1}`;
      this.batches.set(id, hashes);
      return { id };
    }
    const hashes = this.batches.get(params[0] as string);
    if (!hashes) throw new Error(`unknown batch ${String(params[0])}`);
    const receipts = await Promise.all(hashes.map((h) => this.node.getTransactionReceipt(h)));
    if (receipts.some((r) => !r)) return { status: 100 };
    return {
      status: 200,
      receipts: receipts.map((r) => ({ transactionHash: r!.hash, status: r!.status === 1 ? "0x1" : "0x0" })),
    };
  }

  /** eth_signTypedData_v4: the JSON's domain chainId may be hex; EIP712Domain is implied by the domain. */
  private async signTypedData(address: string, json: unknown): Promise<string> {
    if (getAddress(address) !== this.address) throw new Error(`cannot sign for ${address}`);
    const data = (typeof json === "string" ? JSON.parse(json) : json) as {
      domain: Record<string, unknown>;
      types: Record<string, { name: string; type: string }[]>;
      message: Record<string, unknown>;
    };
    const types = { ...data.types };
    delete types.EIP712Domain;
    const domain = { ...data.domain };
    if (domain.chainId !== undefined) domain.chainId = Number(BigInt(domain.chainId as string));
    return this.signer.signTypedData(domain, types, data.message);
  }
}
