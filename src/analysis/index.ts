// `batch-shaping/analysis`: per-sample gate records (Arrow), statistics, Plotly figure builders, image galleries
// and the standalone HTML report. No tfjs at runtime: plain records in, numbers and JSON out. The package root
// has the entry points (readGateRecords, recordsFigures, recordsSummaryRows, writeReport; recordGates writes the
// records); they are not repeated here.
export {
  type CurveStanding,
  type RecordsSummary,
  standingAgainstCurve,
  summarizeRecords,
  type TradeoffCurve,
  type TradeoffPoint,
  tradeoffCurve,
} from './accuracy_macs_tradeoff.js';
export { cdfVsPriorFigure } from './figures/cdf_vs_prior_figure.js';
export { type ClassGateHeatmapOptions, classGateHeatmapFigure } from './figures/class_gate_heatmap.js';
export { type LatencyVsMacsOptions, latencyVsMacsFigure } from './figures/latency_vs_macs_figure.js';
export { layerUsageFigure } from './figures/layer_usage_figure.js';
export { type MacsHistogramOptions, macsHistogramFigure } from './figures/macs_histogram.js';
export { type MacsVsConfidenceOptions, macsVsConfidenceFigure } from './figures/macs_vs_confidence_figure.js';
export { macsVsDifficultyFigure } from './figures/macs_vs_difficulty_figure.js';
export { macsUnit, type PlotlyFigure } from './figures/plotly_figure.js';
export { type ScheduleFigurePoint, scheduleFigure } from './figures/schedule_figure.js';
export { tradeoffFigure } from './figures/tradeoff_figure.js';
export { packGateBits, unpackGateBits } from './gate_bits.js';
export {
  type ClassGateFrequency,
  classGateFrequency,
  type GateUsageThresholds,
  gateOnFrequency,
  type LayerGateFrequency,
  type LayerGateUsage,
  layerGateUsage,
} from './gate_frequency.js';
export {
  type GateLayerInfo,
  type GateRecordsMeta,
  isCorrect,
  makeGateRecords,
  type SampleGateInput,
  type SampleScalars,
  sampleMask,
  totalGates,
} from './gate_records.js';
export { decodeGateRecords, encodeGateRecords, writeGateRecords } from './gate_records_arrow.js';
export { buildReportHtml, metricsFigure } from './html_report.js';
export { type LatencyPoint, type LatencySummary, latencySummary } from './latency_summary.js';
export {
  type DifficultyBin,
  type DifficultyMeasure,
  difficultyMeasure,
  type ExtremeSamples,
  extremeSamples,
  type MacsByCorrectness,
  type MacsVsDifficulty,
  type MacsVsDifficultyOptions,
  macsByCorrectness,
  macsVsDifficulty,
  type SampleSummary,
  sampleSummary,
} from './macs_statistics.js';
export {
  type CdfVsPrior,
  cdfVsPrior,
  empiricalCdf,
  linearGrid,
  recordedGateProbs,
} from './probability_cdf.js';
export { pearson, spearman } from './rank_correlation.js';
export type { PriorCdfValues, RecordsFiguresOptions } from './records_figures.js';
export {
  type GalleryItem,
  galleryHtml,
  imageDataUrl,
  loadSampleImages,
  type SampleImage,
} from './sample_gallery.js';
export { type Summary, summarize } from './summary_stats.js';
