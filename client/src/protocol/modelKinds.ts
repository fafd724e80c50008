/**
 * The model kinds and their default hidden sizes: what both the spec validation and the weight shapes
 * read, kept apart so neither has to import the other at run time.
 */
export const MODEL_KINDS = ["logreg", "mlp", "cnn", "lenet"] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

/** Hidden sizes of each kind when the spec gives none (ml/models.ts builds them; encodings plan with them). */
export const DEFAULT_HIDDEN: Readonly<Record<ModelKind, readonly number[]>> = {
  logreg: [],
  mlp: [64],
  cnn: [8, 16],
  lenet: [],
};
