// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import type { Connector } from "wagmi";
import { WalletStatusView } from "../../web/src/views/WalletBar";
import type { WalletState } from "../../web/src/hooks/useWallet";

afterEach(cleanup);

const connector = (name: string, id = name.toLowerCase()) => ({ uid: `uid-${id}`, id, name }) as unknown as Connector;

function wallet(overrides: Partial<WalletState>): WalletState {
  return {
    status: "disconnected",
    expectedChainId: 31337,
    connectors: [connector("MetaMask", "io.metamask")],
    connect: vi.fn(),
    disconnect: vi.fn(),
    switchChain: vi.fn(),
    switching: false,
    ...overrides,
  };
}

describe("WalletStatusView", () => {
  it("says so when there is no wallet, and offers nothing to click", () => {
    render(<WalletStatusView wallet={wallet({ status: "no-wallet", connectors: [] })} />);
    expect(screen.getByRole("status").textContent).toMatch(/No wallet found/);
    expect(screen.queryByRole("button")).toBeNull();
  });

  it("offers one connect button per announced wallet and connects the one clicked", () => {
    const w = wallet({ connectors: [connector("MetaMask", "io.metamask"), connector("Rabby", "io.rabby")] });
    render(<WalletStatusView wallet={w} />);
    fireEvent.click(screen.getByRole("button", { name: "Connect Rabby" }));
    expect(w.connect).toHaveBeenCalledWith(w.connectors[1]);
    expect(screen.getByRole("button", { name: "Connect MetaMask" })).toBeTruthy();
  });

  it("calls the generic injected connector a wallet", () => {
    render(<WalletStatusView wallet={wallet({ connectors: [connector("Injected", "injected")] })} />);
    expect(screen.getByRole("button", { name: "Connect wallet" })).toBeTruthy();
  });

  it("reports a rejected connection as an alert and still offers to connect", () => {
    render(
      <WalletStatusView wallet={wallet({ error: "You rejected the request in your wallet. Nothing was sent." })} />,
    );
    expect(screen.getByRole("alert").textContent).toMatch(/rejected/);
    expect(screen.getByRole("button", { name: "Connect MetaMask" })).toBeTruthy();
  });

  it("asks to confirm in the wallet while connecting", () => {
    render(<WalletStatusView wallet={wallet({ status: "connecting" })} />);
    expect(screen.getByRole("status").textContent).toMatch(/Confirm the connection/);
    expect(screen.queryByRole("button")).toBeNull();
  });

  it("names both chains on the wrong network and switches on click", () => {
    const w = wallet({ status: "wrong-chain", chainId: 1, address: "0x" + "12".repeat(20) });
    render(<WalletStatusView wallet={w} />);
    expect(screen.getByRole("status").textContent).toMatch(/wallet is on chain 1, the aggregator is on chain 31337/);
    fireEvent.click(screen.getByRole("button", { name: "Switch to chain 31337" }));
    expect(w.switchChain).toHaveBeenCalledTimes(1);
  });

  it("disables the switch button while the wallet is switching", () => {
    render(<WalletStatusView wallet={wallet({ status: "wrong-chain", chainId: 5, switching: true })} />);
    expect((screen.getByRole("button", { name: "Switching…" }) as HTMLButtonElement).disabled).toBe(true);
  });

  it("shows the connected account (full address in the title) and disconnects", () => {
    const address = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
    const w = wallet({ status: "ready", chainId: 31337, address });
    render(<WalletStatusView wallet={w} />);
    const account = screen.getByTestId("account");
    expect(account.textContent).toBe("0xf39F…2266");
    expect(account.getAttribute("title")).toBe(address);
    fireEvent.click(screen.getByRole("button", { name: "Disconnect" }));
    expect(w.disconnect).toHaveBeenCalledTimes(1);
  });
});
