// The training kit shared by the model families: the epoch loop (early stopping, best-state
// restore, time budget, progress), validation splits and metrics, typed-array optimisers,
// samplers and seeded streams. Models import from here, not from the files.
export { DEFAULT_MONITOR, arrayState, runTraining, weightSetState, type BestState, type CheckpointInfo, type Monitor, type TrainingLoopOptions, type TrainingResult } from "./loop";
export { rankingValidation, rmseValidation, validationSplit, validationUsers } from "./validation";
export { Adam, Sgd, type Optimizer } from "./optimizers";
export { BprSampler, PairSampler, identityOrder, rowOfEntries, shuffledBatches } from "./samplers";
export { forkedStreams, modelRng, seededStreams } from "./streams";
export { addBatchL2, bprLossAndGrad } from "./losses";
