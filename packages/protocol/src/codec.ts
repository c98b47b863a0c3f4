// The codec: a message is a multipart whose frame 0 is a msgpack header {v, type, run, ...} and
// whose further frames are raw little-endian tensors. decodeMessage never throws: every problem
// becomes a one-sentence reason, because a bad message must be logged and dropped, never fatal.
import { Packr, Unpackr } from 'msgpackr';
import {
  FieldError,
  bool,
  finite,
  int,
  intList,
  intOrNull,
  isPlainRecord,
  numberRecord,
  oneOf,
  record,
  str,
  strList,
  strOrNull,
  type Header,
} from './header-fields.js';
import type { Message, MessageKind, WireFormat, SharedStage, SnapshotScope, StateScope, TensorEntry } from './kinds.js';
import { MESSAGE_KINDS, WIRE_FORMATS } from './kinds.js';
import { isKeyText } from './security/z85.js';
import {
  DEFAULT_MAX_HEADER_BYTES,
  DEFAULT_MAX_STATE_BYTES,
  MAX_STRING_LENGTH,
  MAX_TENSOR_ENTRIES,
  type DecodeLimits,
} from './limits.js';
import { float32Of, frameOf, int32Of } from './tensor-frames.js';
import { PROTOCOL_VERSION } from './version.js';

// Plain maps both ways: records (msgpackr's structure sharing) would make a header depend on
// the packer's history, and a peer's decoder would need that history too.
const packr = new Packr({ useRecords: false });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

/** Tensor frames after the header, per kind: fixed, so a count mismatch is rejected up front. */
const TENSOR_FRAMES: Record<MessageKind, number> = {
  HELLO: 0,
  WELCOME: 0,
  REJECT: 0,
  STATE: 1,
  STEP: 1,
  GRADS: 1,
  REDUCED: 1,
  PLANE: 0,
  RING: 0,
  SOLO: 0,
  TURN: 0,
  DONE: 0,
  ABORT: 0,
  ABORTED: 0,
  HEARTBEAT: 0,
  SNAPSHOT_REQUEST: 0,
  SNAPSHOT: 1,
  STOP: 0,
  FAILED: 0,
};

const MAX_LOSS_KEYS = 64;
const MAX_WORLD_SIZE = 65536;
const MAX_PATH_LENGTH = 1024;
const SHARED_STAGES: readonly SharedStage[] = ['grads', 'sums', 'whole'];
const MAX_SHAPE_RANK = 8;
const PHASE_MAX = 64;

/** A decoded message, or why the frames were not one. */
export type DecodeResult =
  | { ok: true; message: Message }
  | {
      ok: false;
      reason: string;
      /** The header's `type`, when it could be read (so a bad HELLO can still get a REJECT). */
      type?: string;
      /** The header's version, when it could be read and differs from ours. */
      peerVersion?: number;
    };

/**
 * Encodes a message into frames ready for `socket.send`. Tensor frames share memory with the
 * message's typed arrays: do not modify them until the send promise has resolved.
 */
export function encodeMessage(message: Message): Buffer[] {
  const header: Record<string, unknown> = { v: PROTOCOL_VERSION };
  let tensor: Float32Array | Int32Array | Uint8Array | undefined;
  for (const [key, value] of Object.entries(message)) {
    if (ArrayBuffer.isView(value)) tensor = value as Float32Array | Int32Array | Uint8Array;
    else header[key] = value;
  }
  const frames = [packr.pack(header)];
  if (TENSOR_FRAMES[message.type] === 1) {
    if (!tensor) throw new TypeError(`a ${message.type} message needs its tensor payload`);
    frames.push(frameOf(tensor));
  }
  return frames;
}

function entriesOf(h: Header, dataBytes: number, maxBytes: number): TensorEntry[] {
  const raw = h.entries;
  if (!Array.isArray(raw)) throw new FieldError(`field 'entries' must be a list`);
  if (raw.length > MAX_TENSOR_ENTRIES) throw new FieldError(`field 'entries' lists ${raw.length} tensors, at most ${MAX_TENSOR_ENTRIES} allowed`);
  const entries: TensorEntry[] = [];
  let bytes = 0;
  for (let i = 0; i < raw.length; i++) {
    const e: unknown = raw[i];
    if (!isPlainRecord(e)) throw new FieldError(`entry ${i} must be a map`);
    const name = str(e, 'name', MAX_STRING_LENGTH);
    const dtype = oneOf(e, 'dtype', ['float32', 'int32'] as const);
    const shape = e.shape;
    if (!Array.isArray(shape) || shape.length > MAX_SHAPE_RANK) throw new FieldError(`entry ${i} ('${name}') needs a shape of at most ${MAX_SHAPE_RANK} dimensions`);
    let count = 1;
    for (const d of shape) {
      if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) throw new FieldError(`entry ${i} ('${name}') has a dimension that is not a non-negative integer`);
      count *= d;
    }
    bytes += count * 4;
    // Checked inside the loop so absurd shapes stop before the sum loses precision.
    if (bytes > maxBytes) throw new FieldError(`entries describe more than ${maxBytes} bytes`);
    entries.push({ name, dtype, shape: shape as number[] });
  }
  if (bytes !== dataBytes) throw new FieldError(`entries describe ${bytes} bytes but the tensor frame has ${dataBytes}`);
  return entries;
}

/** A gradient frame of `phase` (already checked by phaseOf), sized against the manifest when known. */
function gradsOf(phase: string, frame: Uint8Array, limits: DecodeLimits): Float32Array {
  if (limits.gradSizes) {
    const expected = limits.gradSizes[phase] * 4;
    if (frame.byteLength !== expected) throw new FieldError(`gradient frame of phase '${phase}' has ${frame.byteLength} bytes, the manifest says ${expected}`);
  } else if (frame.byteLength % 4 !== 0) {
    throw new FieldError(`gradient frame has ${frame.byteLength} bytes, not a whole number of float32 values`);
  }
  return float32Of(frame);
}

/** HELLO's ring endpoint: absent or null (no offer), or tcp://IPv4:PORT. */
function ringAddressOf(h: Header): string | null {
  if (!Object.prototype.hasOwnProperty.call(h, 'ringAddress')) return null;
  const address = strOrNull(h, 'ringAddress', 64);
  if (address !== null && !RING_ADDRESS.test(address)) throw new FieldError(`field 'ringAddress' must be tcp://IPv4:PORT, got '${address.slice(0, 64)}'`);
  return address;
}

/** HELLO's ring key: absent or null (no keys), or a 40-character Z85 public key. */
function ringKeyOf(h: Header): string | null {
  if (!Object.prototype.hasOwnProperty.call(h, 'ringKey')) return null;
  const key = strOrNull(h, 'ringKey', 40);
  if (key !== null && !isKeyText(key)) throw new FieldError(`field 'ringKey' must be a 40-character Z85 public key`);
  return key;
}

/** The ring offer: only when offered (a worker without a ring socket, or of an older build, sends neither field). */
function ringOfferOf(h: Header): { ringAddress?: string | null; ringKey?: string | null } {
  return Object.prototype.hasOwnProperty.call(h, 'ringAddress') ? { ringAddress: ringAddressOf(h), ringKey: ringKeyOf(h) } : {};
}

/** ABORTED's offer fields (HELLO's, each optional): absent stays absent. */
function offerOf(h: Header): { shmId?: string | null; shmPath?: string | null; ringAddress?: string | null; ringKey?: string | null } {
  const has = (k: string) => Object.prototype.hasOwnProperty.call(h, k);
  return { ...(has('shmId') ? { shmId: strOrNull(h, 'shmId', 256) } : {}), ...(has('shmPath') ? { shmPath: strOrNull(h, 'shmPath', MAX_PATH_LENGTH) } : {}), ...ringOfferOf(h) };
}

const RING_ADDRESS = /^tcp:\/\/\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}:\d{1,5}$/;

/** RING: one host index, segment, ring address (and key, in a run with keys) per rank. */
function ringOf(run: string, h: Header): Message {
  const hosts = intList(h, 'hosts', MAX_WORLD_SIZE, 0, MAX_WORLD_SIZE - 1);
  const hostNames = strList(h, 'hostNames', MAX_WORLD_SIZE, 256);
  const segments = strList(h, 'segments', MAX_WORLD_SIZE, MAX_PATH_LENGTH);
  const addresses = strList(h, 'addresses', MAX_WORLD_SIZE, 64);
  const keys = strList(h, 'keys', MAX_WORLD_SIZE, 40);
  const wire = oneOf<WireFormat>(h, 'wire', WIRE_FORMATS);
  const n = hosts.length;
  if (hostNames.length !== n || segments.length !== n || addresses.length !== n || (keys.length !== 0 && keys.length !== n)) {
    throw new FieldError(`fields 'hosts', 'hostNames', 'segments', 'addresses' and 'keys' must list one entry per rank (keys may be empty), got ${n}, ${segments.length}, ${addresses.length}, ${keys.length}`);
  }
  const badAddress = addresses.find((a) => !RING_ADDRESS.test(a));
  if (badAddress !== undefined) throw new FieldError(`field 'addresses' holds '${badAddress.slice(0, 64)}', not tcp://IPv4:PORT`);
  if (keys.some((k) => !isKeyText(k))) throw new FieldError(`field 'keys' must hold 40-character Z85 public keys`);
  return { type: 'RING', run, hosts, hostNames, segments, addresses, keys, wire };
}

/** A header's phase, checked against the manifest's phases when the receiver knows them. */
function phaseOf(h: Header, limits: DecodeLimits): string {
  const phase = str(h, 'phase', PHASE_MAX);
  if (limits.gradSizes && !Object.prototype.hasOwnProperty.call(limits.gradSizes, phase)) {
    throw new FieldError(`phase '${phase}' is not one of this model's phases (${Object.keys(limits.gradSizes).join(', ')})`);
  }
  return phase;
}

/** An optional list of distinct phase names of this model (DONE's nonFinite, skipped): absent stays absent. */
function phaseListOf<K extends 'nonFinite' | 'skipped' | 'applied'>(h: Header, key: K, limits: DecodeLimits): Partial<Record<K, string[]>> {
  if (!Object.prototype.hasOwnProperty.call(h, key)) return {};
  const phases = strList(h, key, 8, PHASE_MAX);
  if (new Set(phases).size !== phases.length) throw new FieldError(`field '${key}' names a phase twice`);
  phases.forEach((phase) => phaseOf({ phase }, limits));
  return { [key]: phases } as Partial<Record<K, string[]>>;
}

/** A plain Uint8Array over the frame's memory (a received frame is a Buffer; callers get one type). */
function bytesOf(frame: Uint8Array): Uint8Array {
  return new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength);
}

function bodyOf(type: MessageKind, h: Header, frames: readonly Uint8Array[], limits: DecodeLimits): Message {
  const run = str(h, 'run', MAX_STRING_LENGTH);
  if (limits.run !== undefined && run !== limits.run) throw new FieldError(`run id '${run.slice(0, 80)}' is not this run ('${limits.run}')`);
  const maxState = limits.maxStateBytes ?? DEFAULT_MAX_STATE_BYTES;
  switch (type) {
    case 'HELLO':
      return {
        type, run,
        configHash: strOrNull(h, 'configHash', 128),
        manifestHash: strOrNull(h, 'manifestHash', 128),
        backend: str(h, 'backend', 256),
        device: str(h, 'device', 256),
        pid: int(h, 'pid', 0),
        host: str(h, 'host', 256),
        shmId: strOrNull(h, 'shmId', 256),
        shmPath: strOrNull(h, 'shmPath', MAX_PATH_LENGTH),
        // Optional: absent (a plain `dgm worker`) stays absent.
        ...(h.rank === undefined ? {} : { rank: intOrNull(h, 'rank', 0, 65535) }),
        ...ringOfferOf(h),
      };
    case 'WELCOME':
      return {
        type, run,
        rank: intOrNull(h, 'rank', 0, 65535),
        worldSize: int(h, 'worldSize', 1, 65536),
        configHash: str(h, 'configHash', 128),
        config: record(h, 'config'),
        heartbeatMs: int(h, 'heartbeatMs', 1),
        timeoutMs: int(h, 'timeoutMs', 1),
      };
    case 'REJECT':
      return { type, run, reason: str(h, 'reason', MAX_STRING_LENGTH) };
    case 'STATE': {
      const data = bytesOf(frames[0]);
      return { type, run, step: int(h, 'step', 0), scope: oneOf<StateScope>(h, 'scope', ['full', 'stats']), entries: entriesOf(h, data.byteLength, maxState), data, ...phaseListOf(h, 'applied', limits) };
    }
    case 'STEP': {
      const frame = frames[0];
      if (frame.byteLength % 4 !== 0) throw new FieldError(`index frame has ${frame.byteLength} bytes, not a whole number of int32 values`);
      const count = frame.byteLength / 4;
      if (limits.maxIndices !== undefined && count > limits.maxIndices) throw new FieldError(`STEP carries ${count} indices, at most ${limits.maxIndices} allowed`);
      const indices = int32Of(frame);
      if (limits.indexBound !== undefined) {
        for (let i = 0; i < indices.length; i++) {
          if (indices[i] < 0 || indices[i] >= limits.indexBound) throw new FieldError(`sample index ${indices[i]} is outside 0..${limits.indexBound - 1}`);
        }
      }
      // Optional: absent (a whole step) stays absent.
      return { type, run, step: int(h, 'step', 0), epoch: int(h, 'epoch', 0), indices, ...(Object.prototype.hasOwnProperty.call(h, 'from') ? { from: phaseOf({ phase: h.from }, limits) } : {}) };
    }
    case 'GRADS': {
      const phase = phaseOf(h, limits);
      return { type, run, step: int(h, 'step', 0), phase, sampleCount: int(h, 'sampleCount', 1, limits.maxIndices), grads: gradsOf(phase, frames[0], limits) };
    }
    case 'REDUCED': {
      const phase = phaseOf(h, limits);
      return { type, run, step: int(h, 'step', 0), phase, grads: gradsOf(phase, frames[0], limits) };
    }
    case 'PLANE':
      return { type, run, segments: strList(h, 'segments', MAX_WORLD_SIZE, MAX_PATH_LENGTH) };
    case 'RING':
      return ringOf(run, h);
    case 'SOLO':
      return { type, run };
    case 'TURN':
      return {
        type, run,
        rank: int(h, 'rank', 0, MAX_WORLD_SIZE - 1),
        step: int(h, 'step', 0),
        phase: phaseOf(h, limits),
        stage: oneOf<SharedStage>(h, 'stage', SHARED_STAGES),
        sampleCount: int(h, 'sampleCount', 1, limits.maxIndices),
      };
    case 'DONE':
      return {
        type, run,
        step: int(h, 'step', 0),
        error: strOrNull(h, 'error', MAX_STRING_LENGTH),
        sampleCount: int(h, 'sampleCount', 0, limits.maxIndices),
        losses: numberRecord(h, 'losses', MAX_LOSS_KEYS),
        computeMs: finite(h, 'computeMs', 0),
        reduceMs: finite(h, 'reduceMs', 0),
        ...phaseListOf(h, 'nonFinite', limits),
        ...phaseListOf(h, 'skipped', limits),
      };
    case 'ABORT':
      return { type, run, step: int(h, 'step', 0) };
    case 'ABORTED':
      if (!Object.prototype.hasOwnProperty.call(h, 'applied')) throw new FieldError(`field 'applied' is missing (a list of phases, possibly empty)`);
      return { type, run, step: int(h, 'step', 0), applied: phaseListOf(h, 'applied', limits).applied!, ...offerOf(h) };
    case 'HEARTBEAT':
      return { type, run };
    case 'SNAPSHOT_REQUEST':
      return { type, run, step: int(h, 'step', 0), scope: oneOf<SnapshotScope>(h, 'scope', ['full', 'stats', 'hash']) };
    case 'SNAPSHOT': {
      const data = bytesOf(frames[0]);
      const scope = oneOf<SnapshotScope>(h, 'scope', ['full', 'stats', 'hash']);
      return { type, run, step: int(h, 'step', 0), scope, hash: str(h, 'hash', 128), entries: entriesOf(h, data.byteLength, maxState), data };
    }
    case 'STOP':
      return { type, run, reason: str(h, 'reason', MAX_STRING_LENGTH), error: bool(h, 'error') };
    case 'FAILED':
      return { type, run, reason: str(h, 'reason', MAX_STRING_LENGTH) };
  }
}

/**
 * A header value as it can be shown in a reason, cut to `max` characters. msgpack gives 64-bit
 * integers as BigInt, which JSON.stringify refuses (a peer's junk must not throw here).
 */
function preview(value: unknown, max: number): string {
  if (typeof value === 'bigint') return `${value}n`.slice(0, max);
  try {
    return (JSON.stringify(value) ?? String(value)).slice(0, max);
  } catch {
    return Object.prototype.toString.call(value).slice(0, max);
  }
}

/**
 * Decodes and validates received frames (without the ROUTER's identity frame). Never throws:
 * anything malformed, oversized, of another version or run, or off-manifest gives a reason.
 */
export function decodeMessage(frames: readonly Uint8Array[], limits: DecodeLimits = {}): DecodeResult {
  if (frames.length === 0) return { ok: false, reason: 'empty message (no header frame)' };
  const headerFrame = frames[0];
  const maxHeader = limits.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
  if (headerFrame.byteLength === 0) return { ok: false, reason: 'empty header frame' };
  if (headerFrame.byteLength > maxHeader) return { ok: false, reason: `header frame of ${headerFrame.byteLength} bytes exceeds the ${maxHeader}-byte limit` };
  let header: unknown;
  try {
    header = unpackr.unpack(headerFrame);
  } catch (error) {
    return { ok: false, reason: `header is not valid msgpack (${(error as Error).message})` };
  }
  if (!isPlainRecord(header)) return { ok: false, reason: 'header is not a msgpack map' };
  const rawType = header.type;
  const type = typeof rawType === 'string' ? rawType.slice(0, 40) : undefined;
  const v = header.v;
  if (v !== PROTOCOL_VERSION) {
    return {
      ok: false,
      reason: `protocol version ${typeof v === 'number' ? v : preview(v, 40)} is not supported (this side speaks version ${PROTOCOL_VERSION})`,
      ...(type !== undefined ? { type } : {}),
      ...(typeof v === 'number' ? { peerVersion: v } : {}),
    };
  }
  if (type === undefined || !(MESSAGE_KINDS as readonly string[]).includes(type)) {
    return { ok: false, reason: `unknown message type ${preview(type ?? rawType, 60)}` };
  }
  const kind = type as MessageKind;
  const expectedFrames = 1 + TENSOR_FRAMES[kind];
  if (frames.length !== expectedFrames) {
    return { ok: false, type, reason: `${kind} must have ${expectedFrames} frame(s), got ${frames.length}` };
  }
  try {
    return { ok: true, message: bodyOf(kind, header, frames.slice(1), limits) };
  } catch (error) {
    if (error instanceof FieldError || error instanceof RangeError) return { ok: false, type, reason: `bad ${kind}: ${error.message}` };
    return { ok: false, type, reason: `bad ${kind}: ${String(error)}` };
  }
}
