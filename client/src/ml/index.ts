// Public API of the machine-learning module.

export { initBackend, type BackendName, type Logger } from "./backend";
export { conv2dBackpropFilterViaConv, registerWasmKernels } from "./wasmKernels";
export { mulberry32, permutation, shuffleInPlace, dirichlet, type Rng } from "./rng";
export { makeDataset, subset, trainTestSplit, head, numSamples, type Dataset, type DatasetSplit } from "./dataset";
export { fitStandardiser, applyStandardiser, standardiseSplit, type Standardiser } from "./standardise";
export { parseCsvDataset, loadCsvDataset, type CsvDatasetOptions } from "./csv";
export { parseIdx, encodeIdx, readIdxFile, type IdxArray } from "./idx";
export { loadBreastCancer, loadDigits, DEFAULT_DATA_DIR } from "./sklearn";
export { loadIdxPair, loadMnist, loadFashionMnist, FASHION_MNIST_DIR, type ImageSetOptions } from "./images";
export { loadDataset, DATASET_NAMES, type DatasetName, type LoadOptions } from "./registry";
export {
  IidPartitioner,
  DirichletPartitioner,
  ShardPartitioner,
  ByLabelPartitioner,
  labelHistogram,
  formatLabelHistogram,
  type Partitioner,
} from "./partition";
export {
  buildModel,
  initialiseWeights,
  getFlatWeights,
  setFlatWeights,
  parameterCount,
  type ModelSpec,
  type ModelKind,
} from "./models";
export { trainLocal, evaluate, type TrainOptions, type TrainResult, type EvalResult } from "./train";
export { fedAvg, computeDelta, type ClientUpdate, type FedAvgOptions } from "./fedavg";
