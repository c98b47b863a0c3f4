// serve.mjs serves the page and the checkpoint folder only, with the types browsers insist on,
// and survives requests it cannot answer.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../serve.mjs';

/** Status and content type of GET `rawPath`, sent as is (no client-side normalisation of ..). */
function get(url: string, rawPath: string): Promise<{ status: number; type: string | undefined }> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(url);
    const req = request({ hostname, port, path: rawPath }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, type: res.headers['content-type'] }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('serve.mjs', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'dgm-browser-serve-'));
  let server: Awaited<ReturnType<typeof startServer>>;

  beforeAll(async () => {
    mkdirSync(path.join(scratch, 'page', 'wasm'), { recursive: true });
    mkdirSync(path.join(scratch, 'checkpoint', 'generator'), { recursive: true });
    writeFileSync(path.join(scratch, 'page', 'index.html'), '<p>page</p>');
    writeFileSync(path.join(scratch, 'page', 'wasm', 'x.wasm'), Buffer.from([0, 97, 115, 109]));
    writeFileSync(path.join(scratch, 'checkpoint', 'generator', 'model.json'), '{}');
    writeFileSync(path.join(scratch, 'secret.txt'), 'outside both folders');
    server = await startServer({ pageDir: path.join(scratch, 'page'), checkpointDir: path.join(scratch, 'checkpoint') });
  });

  afterAll(async () => {
    await server.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('serves the page, its wasm files as application/wasm, and the checkpoint', async () => {
    expect(await get(server.url, '/')).toEqual({ status: 200, type: 'text/html; charset=utf-8' });
    expect(await get(server.url, '/wasm/x.wasm')).toEqual({ status: 200, type: 'application/wasm' });
    expect(await get(server.url, '/checkpoint/generator/model.json')).toEqual({ status: 200, type: 'application/json' });
  });

  it('answers 404 outside the two folders and 400 to a malformed URL, and keeps serving', async () => {
    expect((await get(server.url, '/../secret.txt')).status).toBe(404);
    expect((await get(server.url, '/checkpoint/../../secret.txt')).status).toBe(404);
    expect((await get(server.url, '/checkpoint/%2e%2e/%2e%2e/secret.txt')).status).toBe(404);
    expect((await get(server.url, '/missing.js')).status).toBe(404);
    expect((await get(server.url, '/%E0%A4%A')).status).toBe(400);
    expect((await get(server.url, '/')).status).toBe(200);
  });
});
