// The Linux commands a simulated cluster is made of (iproute2's `ip` and `tc`, util-linux's
// `unshare`, `nsenter`, `mount`), run synchronously: setting up or tearing down a host is a few
// dozen short commands, and a failure must stop the setup at the command that failed, with its
// own message, rather than leave a half-made host that later fails in a stranger way.
import { execFileSync } from 'node:child_process';

/** A system command that failed: which one, and what it said. */
export class ClusterCommandError extends Error {
  constructor(readonly command: string, readonly stderr: string) {
    super(`simulated cluster: \`${command}\` failed: ${stderr.trim() || 'no message'}`);
    this.name = 'ClusterCommandError';
  }
}

/** Runs `file args...`, returns its stdout; throws ClusterCommandError on a non-zero exit. */
export function sh(file: string, ...args: string[]): string {
  try {
    return execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new ClusterCommandError([file, ...args].join(' '), err.stderr ?? err.message);
  }
}

/** Like sh, for teardown: a step that fails (already gone) does not stop the steps after it. */
export function shQuiet(file: string, ...args: string[]): boolean {
  try {
    sh(file, ...args);
    return true;
  } catch {
    return false;
  }
}

/** Why this machine cannot make a simulated cluster, or null when it can. */
export function clusterUnavailable(): string | null {
  if (process.platform !== 'linux') return 'a simulated cluster needs Linux network namespaces';
  if (process.getuid?.() !== 0) return 'a simulated cluster needs root (network namespaces, veth links, tc and mounts); run it as root, e.g. in CI or a throwaway VM';
  for (const tool of ['ip', 'tc', 'unshare', 'nsenter', 'mount']) {
    if (!shQuiet('sh', '-c', `command -v ${tool}`)) return `a simulated cluster needs \`${tool}\` (Debian: iproute2 for ip/tc, util-linux for the rest)`;
  }
  return null;
}
