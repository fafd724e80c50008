import { initialModel } from "../../../../client/src/node/model";
import { parseModelSpec } from "../../../../client/src/protocol/modelSpec";
import type { ModelCommitment } from "../../../src/modelSpec";

export const dynamic = "force-dynamic";

/**
 * POST /api/model with a model spec: builds the model with client/src/ml (tfjs, seeded init) and answers
 * its parameter count and commitment, exactly as the participants' nodes compute them.
 */
export async function POST(request: Request): Promise<Response> {
  let spec;
  try {
    spec = parseModelSpec(await request.json());
  } catch (error) {
    return Response.json({ error: (error as Error).message }, { status: 400 });
  }
  try {
    const { paramCount, modelHash, modelURI } = initialModel(spec);
    const body: ModelCommitment = { spec, paramCount, modelHash, modelURI };
    return Response.json(body);
  } catch (error) {
    return Response.json({ error: `cannot build this model: ${(error as Error).message}` }, { status: 400 });
  }
}
