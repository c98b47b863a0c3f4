// @dgm/report: what a run shows a person. readRun reads a run directory (any state: finished,
// still writing, damaged, empty), renderReport draws it as one self-contained HTML page,
// writeReport puts it at <run>/report.html atomically. No tfjs, no dgm room below: it reads files.
export type { EvalRecord, LaunchInfo, RunEvent, RunView, SampleGridFile, StepLine, WorkerInfo } from './run-view.js';
export { readRun, RunReader, MAX_GRIDS } from './read-run.js';
export { renderReport, chartData, MAX_CHART_POINTS, type ChartData } from './html/page.js';
export { writeReport, REPORT_FILE } from './write-report.js';
export { appendEvaluation, EVAL_LOG } from './eval-log.js';
export { ReportRefresher } from './refresher.js';
