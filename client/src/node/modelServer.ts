import { createServer } from "node:http";
import path from "node:path";
import { ModelDirectory, MODEL_COMMITMENT } from "./modelStore";

/**
 * A read-only HTTP server of a models directory: GET /<commitment>.json and nothing else (no
 * listing, no other paths), so sharing global models exposes nothing but them. Clients verify every
 * model against the chain's commitment, so the server needs no trust.
 */
export function serveModels(dir: string, host: string, port: number): Promise<{ url: string; close(): void }> {
  const models = new ModelDirectory(path.resolve(dir));
  const server = createServer((request, response) => {
    const name = (request.url ?? "").replace(/^\//, "").replace(/\.json$/, "");
    if (request.method !== "GET" || !MODEL_COMMITMENT.test(name)) {
      response.writeHead(404).end();
      return;
    }
    models.fetch(name).then(
      (model) => {
        if (!model) response.writeHead(404).end();
        else response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(model));
      },
      () => response.writeHead(500).end(),
    );
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      const address = server.address();
      const bound = typeof address === "object" && address ? address.port : port;
      resolve({ url: `http://${host}:${bound}/`, close: () => server.close() });
    });
  });
}
