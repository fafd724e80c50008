import { EvaluatePage } from "../../src/views/EvaluateModel";

const COMMITMENT = /^0x[0-9a-f]{64}$/;

export default async function Evaluate({ searchParams }: { searchParams: Promise<Record<string, string | string[]>> }) {
  const { model } = await searchParams;
  return <EvaluatePage preselect={typeof model === "string" && COMMITMENT.test(model) ? model : undefined} />;
}
