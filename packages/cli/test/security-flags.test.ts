// The closed-cluster flags' rules, in process (the refusals' sentences as processes are in
// closed-cluster.test.ts): which addresses stay on this host, flags that need each other, and the
// keys a launcher hands a worker on an inherited file descriptor.
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KEYS_FD_ENV, localRunKeys, resolveCoordinatorSecurity, resolveWorkerSecurity, securityArgs, staysOnThisHost } from '../src/commands/security-flags.js';

const dir = mkdtempSync(join(tmpdir(), 'dgm-secflags-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected a refusal');
}

describe('security flags', () => {
  it('loopback and ipc stay on this host; every other address does not', () => {
    for (const a of ['tcp://127.0.0.1:5555', 'tcp://127.3.4.5:*', 'tcp://localhost:1', 'tcp://[::1]:5555', 'ipc:///tmp/x.sock']) expect(staysOnThisHost(a), a).toBe(true);
    for (const a of ['tcp://0.0.0.0:5555', 'tcp://*:5555', 'tcp://10.0.0.1:5555', 'tcp://head:5555', 'tcp://[::]:5555', 'tcp://127.0.0.1.example.com:5']) expect(staysOnThisHost(a), a).toBe(false);
  });

  it('coordinator: keys go together, --insecure excludes them and warns, loopback needs nothing', async () => {
    expect(await refusal(resolveCoordinatorSecurity({ key: 'k' }, 'tcp://127.0.0.1:1'))).toBe('--key needs --allow: a coordinator with keys needs its own secret key (--key) and the public keys of the workers it admits (--allow).');
    expect(await refusal(resolveCoordinatorSecurity({ allow: 'a' }, 'tcp://127.0.0.1:1'))).toMatch(/^--allow needs --key/);
    expect(await refusal(resolveCoordinatorSecurity({ insecure: true, key: 'k', allow: 'a' }, 'tcp://0.0.0.0:1'))).toMatch(/^--insecure cannot be used with --key or --allow/);
    expect(await resolveCoordinatorSecurity({}, 'tcp://127.0.0.1:1')).toEqual({ curve: null, warning: null });
    expect(await resolveCoordinatorSecurity({}, 'ipc:///tmp/s')).toEqual({ curve: null, warning: null });
    expect((await resolveCoordinatorSecurity({ insecure: true }, 'tcp://0.0.0.0:5555')).warning).toBe('--insecure: the coordinator at tcp://0.0.0.0:5555 admits any process that reaches it, unencrypted.');
  });

  it('worker: keys go together; beyond loopback it needs them or --insecure; --gpus children get the flags as given', async () => {
    expect(await refusal(resolveWorkerSecurity({ 'server-key': 's' }, 'tcp://head:1', {}))).toMatch(/^--server-key needs --key/);
    expect(await refusal(resolveWorkerSecurity({}, 'tcp://head:1', {}))).toMatch(/^--connect tcp:\/\/head:1 leaves this host, so the worker needs keys/);
    expect((await resolveWorkerSecurity({ insecure: true }, 'tcp://head:1', {})).warning).toMatch(/^--insecure: this worker talks to tcp:\/\/head:1 unencrypted/);
    expect(securityArgs({ key: 'a', 'server-key': 'b', insecure: false, gpus: 'all' })).toEqual(['--key', 'a', '--server-key', 'b']);
  });

  it("a worker reads a launcher's keys from the inherited descriptor, and refuses malformed ones", async () => {
    const { handoff, server } = await localRunKeys();
    expect(server.allow).toEqual([server.keyPair.publicKey]);
    writeFileSync(join(dir, 'handed'), handoff);
    const fd = openSync(join(dir, 'handed'), 'r');
    const got = await resolveWorkerSecurity({}, 'tcp://127.0.0.1:1', { [KEYS_FD_ENV]: String(fd) });
    expect(got.curve).toEqual({ keyPair: server.keyPair, serverKey: server.keyPair.publicKey });
    expect(got.handoff).toBe(handoff);
    expect(() => closeSync(fd)).toThrow(/EBADF/); // read once, then closed
    writeFileSync(join(dir, 'bad'), '{"keyPair":1}');
    const bad = openSync(join(dir, 'bad'), 'r');
    expect(await refusal(resolveWorkerSecurity({}, 'tcp://127.0.0.1:1', { [KEYS_FD_ENV]: String(bad) }))).toBe(`the keys handed over on file descriptor ${bad} are malformed; ${KEYS_FD_ENV} is set only by dgm's own launchers.`);
  });
});
