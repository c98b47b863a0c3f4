// The closed-cluster flags, in one place for every command that binds or connects:
//   --key FILE         this process's secret key (dgm keys new writes it, mode 0600)
//   --allow FILE       a coordinator's allow-list: the public keys of the workers it admits
//   --server-key FILE  a worker's copy of the coordinator's public key
//   --insecure         run without keys off loopback, explicitly (warned on every start)
// A coordinator bound beyond loopback, or a worker connecting beyond it, refuses to start without
// keys unless --insecure says so. Loopback and ipc:// stay open by default (nothing else can
// reach them except this host's users; `dgm train` closes even that with keys of its own, handed
// to its workers through an inherited pipe: see localRunKeys).
import { closeSync, readFileSync } from 'node:fs';
import type { CurveClientKeys, CurveServerKeys } from '@dgm/protocol/security';
import type { OptionSpec, ParsedArgs } from '../args/command-spec.js';
import { UsageError } from '../errors.js';

type Values = ParsedArgs['values'];

/** The environment variable naming the inherited file descriptor that carries a local worker's keys. */
export const KEYS_FD_ENV = 'DGM_CURVE_KEYS_FD';
/** The file descriptor a launcher hands the keys over on (0-2 are stdio, 3 the IPC channel). */
export const KEYS_FD = 4;

const KEY = { name: 'key', type: 'string', value: 'file', description: "This process's secret key file (dgm keys new --out DIR writes DIR/secret.key, mode 0600)." } as const;
const INSECURE = {
  name: 'insecure',
  type: 'boolean',
  description: 'Run without CURVE keys off loopback: anyone who reaches the port can join and read the run. Only on a network you trust; warned on every start.',
} as const;

export const COORDINATOR_SECURITY_OPTIONS: OptionSpec[] = [
  KEY,
  { name: 'allow', type: 'string', value: 'file', description: 'Public keys of the workers to admit, one per line (# comments); every other key is refused. Needs --key.' },
  INSECURE,
];

export const WORKER_SECURITY_OPTIONS: OptionSpec[] = [
  KEY,
  { name: 'server-key', type: 'string', value: 'file', description: "The coordinator's public key file (its public.key). Needs --key." },
  INSECURE,
];

/** What a coordinator runs with: CURVE keys, or none (loopback, ipc, or --insecure). */
export interface CoordinatorSecurity {
  curve: CurveServerKeys | null;
  /** A warning to print on start (with --insecure), or null. */
  warning: string | null;
}

/** What a worker runs with; `handoff` is the keys' text when a launcher handed them over (for per-GPU children). */
export interface WorkerSecurity {
  curve: CurveClientKeys | null;
  warning: string | null;
  handoff: string | null;
}

/** True for tcp:// to 127.x.x.x, [::1] or localhost, and for ipc:// (a file on this host). */
export function staysOnThisHost(address: string): boolean {
  if (address.startsWith('ipc://')) return true;
  const host = /^tcp:\/\/(\[[^\]]+\]|[^:/]+):/.exec(address)?.[1]?.toLowerCase() ?? '';
  return host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function fileFlag(values: Values, name: string): string | null {
  const value = values[name];
  if (value === undefined) return null;
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`--${name} needs a file name.`);
  return value;
}

/** Validates --key/--allow/--insecure for a coordinator bound at `bind`. Throws UsageError (nothing is written). */
export async function resolveCoordinatorSecurity(values: Values, bind: string): Promise<CoordinatorSecurity> {
  const key = fileFlag(values, 'key');
  const allow = fileFlag(values, 'allow');
  const insecure = values.insecure === true;
  if (insecure && (key || allow)) throw new UsageError('--insecure cannot be used with --key or --allow; give keys for a closed cluster, or --insecure alone for an open one.');
  if ((key === null) !== (allow === null)) {
    throw new UsageError(`--${key ? 'key' : 'allow'} needs --${key ? 'allow' : 'key'}: a coordinator with keys needs its own secret key (--key) and the public keys of the workers it admits (--allow).`);
  }
  if (key && allow) {
    const security = await import('@dgm/protocol/security');
    security.assertCurveAvailable();
    return { curve: { keyPair: security.readSecretKeyFile(key, '--key'), allow: security.readPublicKeys(allow, '--allow') }, warning: null };
  }
  if (!insecure && !staysOnThisHost(bind)) {
    throw new UsageError(
      `--bind ${bind} can be reached from other machines, so the coordinator needs keys: make them with dgm keys new --out DIR and pass --key DIR/secret.key --allow <file of worker public keys>, or pass --insecure to run an open cluster on a network you trust.`,
    );
  }
  return { curve: null, warning: insecure ? `--insecure: the coordinator at ${bind} admits any process that reaches it, unencrypted.` : null };
}

/** Reads the keys a launcher handed over on an inherited file descriptor (`dgm train`'s workers). */
async function handedOverKeys(env: NodeJS.ProcessEnv): Promise<{ curve: CurveClientKeys; text: string } | null> {
  const fdText = env[KEYS_FD_ENV];
  if (fdText === undefined) return null;
  const fd = Number(fdText);
  let text: string;
  try {
    text = readFileSync(fd, 'utf8');
    closeSync(fd);
  } catch (error) {
    throw new UsageError(`${KEYS_FD_ENV}=${fdText} names no readable file descriptor (${(error as Error).message}); it is set only by dgm's own launchers.`);
  }
  const security = await import('@dgm/protocol/security');
  try {
    const parsed = JSON.parse(text) as CurveClientKeys;
    return { curve: security.checkCurveClientKeys(parsed), text };
  } catch {
    throw new UsageError(`the keys handed over on file descriptor ${fdText} are malformed; ${KEYS_FD_ENV} is set only by dgm's own launchers.`);
  }
}

/** Validates --key/--server-key/--insecure (or a launcher's handed-over keys) for a worker connecting to `connect`. Throws UsageError. */
export async function resolveWorkerSecurity(values: Values, connect: string, env: NodeJS.ProcessEnv): Promise<WorkerSecurity> {
  const key = fileFlag(values, 'key');
  const serverKey = fileFlag(values, 'server-key');
  const insecure = values.insecure === true;
  if (insecure && (key || serverKey)) throw new UsageError('--insecure cannot be used with --key or --server-key; give keys for a closed cluster, or --insecure alone for an open one.');
  if ((key === null) !== (serverKey === null)) {
    throw new UsageError(`--${key ? 'key' : 'server-key'} needs --${key ? 'server-key' : 'key'}: a worker with keys needs its own secret key (--key) and the coordinator's public key (--server-key).`);
  }
  const handed = await handedOverKeys(env);
  if (handed) return { curve: handed.curve, warning: null, handoff: handed.text };
  if (key && serverKey) {
    const security = await import('@dgm/protocol/security');
    security.assertCurveAvailable();
    return { curve: { keyPair: security.readSecretKeyFile(key, '--key'), serverKey: security.readPublicKeyFile(serverKey, '--server-key') }, warning: null, handoff: null };
  }
  if (!insecure && !staysOnThisHost(connect)) {
    throw new UsageError(
      `--connect ${connect} leaves this host, so the worker needs keys: pass --key (its secret key) and --server-key (the coordinator's public key), made with dgm keys new --out DIR, or pass --insecure to join an open cluster on a network you trust.`,
    );
  }
  return { curve: null, warning: insecure ? `--insecure: this worker talks to ${connect} unencrypted and cannot tell the real coordinator from another.` : null, handoff: null };
}

/** The security flags as given, for a supervisor's per-GPU children (which validate them again). */
export function securityArgs(values: Values): string[] {
  return WORKER_SECURITY_OPTIONS.flatMap((o) => (values[o.name] === undefined || values[o.name] === false ? [] : o.type === 'boolean' ? [`--${o.name}`] : [`--${o.name}`, String(values[o.name])]));
}

/**
 * Keys for one local run (`dgm train`): a fresh pair in memory, used by the coordinator and by
 * its workers alike (the allow-list is that one key). `handoff` is what each worker is handed on
 * its inherited file descriptor: nothing touches the disk, and the port admits nobody else.
 */
export async function localRunKeys(): Promise<{ server: CurveServerKeys; handoff: string }> {
  const security = await import('@dgm/protocol/security');
  security.assertCurveAvailable();
  const keyPair = security.newCurveKeyPair();
  const client: CurveClientKeys = { keyPair, serverKey: keyPair.publicKey };
  return { server: { keyPair, allow: [keyPair.publicKey] }, handoff: JSON.stringify(client) };
}
