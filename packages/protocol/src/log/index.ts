// @dgm/protocol/log: how every dgm process logs — one winston factory and one rule for dropped
// messages. Its own entry, so the CLI can log without loading ZeroMQ.
export { closeLogger, createDgmLogger, type DgmLoggerOptions, type EchoLevel, type EchoSink, type Logger } from './logger.js';
export { DropLog, type DropLogOptions } from './drop-log.js';
