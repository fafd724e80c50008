import { isAddress, type ContractRunner, type Provider } from "ethers";
import { FLuFHEAggregator__factory, type FLuFHEAggregator } from "../../../types";

/**
 * The aggregator at `address`, after checking there is one: a malformed address or an address
 * without code otherwise surfaces later as "network does not support ENS" or "could not decode
 * result data". `source` names where the address came from (a flag, a deployment file).
 */
export async function connectAggregator(
  address: string,
  runner: ContractRunner,
  source: string,
): Promise<FLuFHEAggregator> {
  if (!isAddress(address)) {
    throw new Error(`${source}: "${address}" is not an address (0x followed by 40 hex digits)`);
  }
  const provider = (runner.provider ?? runner) as Provider;
  const code = await provider.getCode(address);
  if (code === "0x") {
    const { chainId } = await provider.getNetwork();
    throw new Error(
      `${source}: no contract at ${address} on chain ${chainId}: deploy one (npm run devnet or fl:deploy) ` +
        `or point to the right network`,
    );
  }
  return FLuFHEAggregator__factory.connect(address, runner);
}
