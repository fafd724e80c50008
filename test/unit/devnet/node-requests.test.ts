import { describe, expect, it } from "vitest";
import type { EIP1193Provider, RequestArguments } from "hardhat/types";
import { DecryptionLine, ExecutionLimit } from "../../../scripts/lib/node-requests";

/** A provider that answers after a few ms and records how many requests (and decryptions) it held at once. */
function slowProvider() {
  const seen = { active: 0, most: 0, decrypting: 0, mostDecrypting: 0 };
  const provider = {
    async request(args: RequestArguments) {
      const decrypt = args.method.startsWith("fhevm_relayer_v1_");
      seen.most = Math.max(seen.most, ++seen.active);
      if (decrypt) seen.mostDecrypting = Math.max(seen.mostDecrypting, ++seen.decrypting);
      await new Promise((r) => setTimeout(r, 3));
      seen.active--;
      if (decrypt) seen.decrypting--;
      return args.method;
    },
  } as unknown as EIP1193Provider;
  return { provider, seen };
}

describe("the devnet node's request limit", () => {
  it("takes at most maxRequests requests at once and one decryption at a time", async () => {
    const { provider, seen } = slowProvider();
    const node = new DecryptionLine(new ExecutionLimit(provider, 3));
    const methods = Array.from({ length: 40 }, (_, i) => (i % 4 === 0 ? "fhevm_relayer_v1_user_decrypt" : "eth_call"));
    const answers = await Promise.all(methods.map((method) => node.request({ method, params: [] })));
    expect(answers).toEqual(methods);
    expect(seen.most).toBe(3);
    expect(seen.mostDecrypting).toBe(1);
  });
});
