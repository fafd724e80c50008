import { buildModel, canonicalJson, getFlatWeights, parameterCount, specHash } from "../../../../client/src/ml/models";
import { modelURIOf, parseModelSpec, type ModelCommitment } from "../../../src/modelSpec";

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
  let model;
  try {
    model = buildModel(spec);
    const weights = getFlatWeights(model);
    const body: ModelCommitment = {
      spec,
      paramCount: parameterCount(model),
      modelHash: "0x" + specHash(spec, weights),
      modelURI: modelURIOf(canonicalJson(spec)),
    };
    return Response.json(body);
  } catch (error) {
    return Response.json({ error: `cannot build this model: ${(error as Error).message}` }, { status: 400 });
  } finally {
    model?.dispose();
  }
}
