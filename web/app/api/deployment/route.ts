import { readDeployment } from "../../../src/server/deployment";

export const dynamic = "force-dynamic";

/** GET /api/deployment: the aggregator the app talks to, read from the deployment JSON at request time. */
export async function GET(): Promise<Response> {
  const state = await readDeployment();
  return Response.json(state.ok ? state.deployment : { error: state.error }, { status: state.ok ? 200 : 503 });
}
