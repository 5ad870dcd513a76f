// The evaluation harness as a library (the CLI is scripts/evaluate.ts).
export * from "./metrics";
export { evaluateFullRanking, evaluatedUsers, type FullRankingOptions, type FullRankingResult } from "./ranking";
export { evaluateSampled, sampleCandidates, type SampledCandidates, type SampledOptions, type SampledResult } from "./sampled";
export { evaluateRatings, valueRange, type RatingResult } from "./rating";
export { BINARIZED_RULE, PROTOCOLS, PROTOCOL_INFO, TRAINING_DATA_RULE, parseProtocol, selectModels, trainingData, type Protocol, type ModelSelection } from "./protocols";
export { evalDataFromDataset, loadEvalData, loadEvalDataFromDb, type EvalData, type GivenSplit, type LoadOptions } from "./data";
export { runEvaluation, type EvaluateOptions, type EvaluationHooks, type EvaluationReport, type FoldResult, type ModelResult } from "./run";
export { formatTable, metricKeys, writeReportJson } from "./report";
export { chartMetrics, niceMax, renderChartSvg, writeChart } from "./chart";
export { renderCurveSvg, type CurveChart, type CurveSeries } from "./curve";
