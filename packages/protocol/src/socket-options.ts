// Socket settings every dgm socket uses. zeromq.js defaults are wrong for a training run:
// linger -1 hangs the process at exit, HWM 1000 of multi-megabyte messages is unbounded memory,
// heartbeats are off (a dead peer behind a silent network is never noticed), and a ROUTER
// silently drops messages to peers it does not know unless `mandatory` is set.
import type { Dealer, Router, SocketOptions } from 'zeromq';

/** How quickly peers are declared dead. */
export interface Liveness {
  /** Interval of ZMTP heartbeats (and of application HEARTBEATs while idle). */
  heartbeatMs: number;
  /** A peer silent for this long is gone; also the bound on any blocking send. */
  timeoutMs: number;
}

/** Messages queued per peer and direction: a step needs a handful, the rest is a flood. */
export const HIGH_WATER_MARK = 100;

function common(l: Liveness, maxMessageBytes: number) {
  return {
    linger: 0,
    sendHighWaterMark: HIGH_WATER_MARK,
    receiveHighWaterMark: HIGH_WATER_MARK,
    sendTimeout: l.timeoutMs,
    heartbeatInterval: l.heartbeatMs,
    heartbeatTimeout: l.timeoutMs,
    heartbeatTimeToLive: l.timeoutMs,
    // A frame larger than any legitimate one makes libzmq drop that connection before the
    // bytes reach JavaScript: oversized input never costs us the memory.
    maxMessageSize: maxMessageBytes,
  };
}

/** Options for the coordinator's ROUTER. */
export function routerOptions(l: Liveness, maxMessageBytes: number): SocketOptions<Router> {
  return { ...common(l, maxMessageBytes), mandatory: true };
}

/** Options for a worker's DEALER. */
export function dealerOptions(l: Liveness, maxMessageBytes: number): SocketOptions<Dealer> {
  return { ...common(l, maxMessageBytes), reconnectInterval: 100, connectTimeout: l.timeoutMs };
}
