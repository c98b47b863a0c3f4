export { formatBar, formatDuration, formatLosses, formatNumber, formatPlainLine, formatProgressLine, type StepProgress } from './format.js';
export { RateMeter } from './rate.js';
export { chooseOutputMode, colorEnabled, Reporter, type LogLevel, type LogSink, type OutputMode, type ReporterOptions, type TextStream } from './reporter.js';
