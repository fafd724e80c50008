import type { ModelSpec } from "../../../client/src/protocol/modelSpec";

const WRAP = { overflowWrap: "anywhere" } as const;

function sampleText(shape: number[]): string {
  const values = shape.reduce((a, b) => a * b, 1);
  if (shape.length === 3) {
    const [h, w, c] = shape;
    return `an image of ${h} × ${w} pixels, ${c} channel${c === 1 ? "" : "s"} (input shape [${shape.join(", ")}])`;
  }
  return `${values} number${values === 1 ? "" : "s"} (input shape [${shape.join(", ")}])`;
}

function classesText(spec: Pick<ModelSpec, "numClasses" | "classNames">): string {
  if (!spec.classNames) return `${spec.numClasses}, labelled 0 to ${spec.numClasses - 1}`;
  return `${spec.numClasses}: ${spec.classNames.map((n, i) => `${i} = ${n}`).join(", ")}`;
}

function fileText(spec: Pick<ModelSpec, "inputShape" | "classNames">): string {
  const features = spec.inputShape.reduce((a, b) => a * b, 1);
  const labels = spec.classNames
    ? `the class name exactly as listed (${spec.classNames.join(", ")})`
    : "the class index (0, 1, …)";
  const csv = `a CSV with a header line, then one line per sample: ${features} numeric feature columns and a label column holding ${labels}`;
  return spec.inputShape.length === 3
    ? `an IDX images file and its labels file (MNIST's format, .gz works), or ${csv}`
    : `${csv}; scikit-learn's CSV (first line "<samples>,<features>,<class names>", label last) works as it is`;
}

/** What the task's model expects of a participant's data, from its spec, before a file is picked. */
export function ExpectedData({ spec }: { spec: ModelSpec }) {
  return (
    <section className="panel" aria-labelledby="expected-heading" data-testid="expected-data">
      <h2 id="expected-heading">What data this task expects</h2>
      {spec.name && (
        <p style={WRAP}>
          <strong>{spec.name}</strong>
        </p>
      )}
      {spec.description && <p style={WRAP}>{spec.description}</p>}
      <dl className="facts">
        <dt>Each sample</dt>
        <dd>{sampleText(spec.inputShape)}</dd>
        <dt>Classes</dt>
        <dd>{classesText(spec)}</dd>
        <dt>File</dt>
        <dd>{fileText(spec)}</dd>
      </dl>
    </section>
  );
}
