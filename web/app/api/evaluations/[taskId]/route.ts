import { readFile } from "node:fs/promises";
import path from "node:path";
import { parseEvaluations } from "../../../../src/evaluations";

export const dynamic = "force-dynamic";

/**
 * GET /api/evaluations/:taskId: per-round accuracy reported for a task, read from
 * `$FLUFHE_EVALUATIONS_DIR/task-<id>.json` (default results/evaluations). No file: an empty list.
 */
export async function GET(_request: Request, context: { params: Promise<{ taskId: string }> }): Promise<Response> {
  const { taskId } = await context.params;
  if (!/^\d{1,78}$/.test(taskId)) return Response.json({ error: "task id must be a decimal number" }, { status: 400 });
  const dir = path.resolve(
    /*turbopackIgnore: true*/ process.env.FLUFHE_EVALUATIONS_DIR?.trim() || path.join("results", "evaluations"),
  );
  let text: string;
  try {
    text = await readFile(/*turbopackIgnore: true*/ path.join(dir, `task-${BigInt(taskId)}.json`), "utf8");
  } catch {
    return Response.json({ rounds: [] });
  }
  try {
    return Response.json({ rounds: parseEvaluations(JSON.parse(text)) });
  } catch (error) {
    return Response.json({ error: `task-${taskId}.json: ${(error as Error).message}` }, { status: 500 });
  }
}
