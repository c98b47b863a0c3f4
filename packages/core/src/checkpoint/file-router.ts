// A `file://` IO router for tfjs in Node without tfjs-node, so the stock one-liner
// `await tf.loadLayersModel('file:///path/model.json')` (and `model.save('file:///dir')`) works.
// If another handler for file:// exists (tfjs-node loaded, before or after us), ours steps aside:
// tfjs refuses a URL that two handlers claim.
import * as tf from '#tfjs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

import { writeFileAtomic } from './atomic-write.js';
import { CheckpointError } from './errors.js';
import { artifactsFromFiles, modelJsonFor, weightDataBytes } from './layers-artifacts.js';
import { MODEL_JSON_FILE, WEIGHTS_FILE } from './layout.js';

const SCHEME = 'file://';

/** The local path of a `file://` URL ('file:///abs/x' -> '/abs/x', 'file://rel/x' -> 'rel/x'). */
export function fileUrlToPath(url: string): string {
  return decodeURIComponent(url.slice(SCHEME.length));
}

class FileSystemModelHandler implements tf.io.IOHandler {
  constructor(private readonly path: string) {}

  /** Reads model.json and its weight files (paths relative to model.json's dir). */
  async load(): Promise<tf.io.ModelArtifacts> {
    const jsonPath = resolve(this.path);
    let jsonText: string;
    try {
      jsonText = await readFile(jsonPath, 'utf8');
    } catch (error) {
      throw new CheckpointError(`Cannot read model file ${jsonPath}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`, { path: jsonPath, cause: error });
    }
    let json: tf.io.ModelJSON | null = null;
    try {
      json = JSON.parse(jsonText) as tf.io.ModelJSON;
    } catch {
      // artifactsFromFiles below reports unparsable JSON with the file name.
    }
    const weights = new Map<string, Uint8Array>();
    for (const group of Array.isArray(json?.weightsManifest) ? json.weightsManifest : []) {
      for (const p of group.paths) {
        const weightsPath = join(dirname(jsonPath), p);
        try {
          weights.set(p, await readFile(weightsPath));
        } catch (error) {
          throw new CheckpointError(`Cannot read weights file ${weightsPath} named by ${jsonPath}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`, { path: weightsPath, cause: error });
        }
      }
    }
    return artifactsFromFiles(jsonText, (p) => weights.get(p) as Uint8Array, jsonPath);
  }

  /** Writes `<dir>/model.json` + `<dir>/weights.bin` (the URL names the directory, as in tfjs-node). */
  async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
    const dir = resolve(this.path);
    await mkdir(dir, { recursive: true });
    const weights = weightDataBytes(artifacts.weightData);
    const modelJson = JSON.stringify(modelJsonFor(artifacts, [WEIGHTS_FILE]));
    // Weights first: a model.json never points at weights that are not fully there.
    await writeFileAtomic(join(dir, WEIGHTS_FILE), weights);
    await writeFileAtomic(join(dir, MODEL_JSON_FILE), modelJson);
    return {
      modelArtifactsInfo: {
        dateSaved: new Date(),
        modelTopologyType: 'JSON',
        modelTopologyBytes: Buffer.byteLength(modelJson),
        weightDataBytes: weights.byteLength,
      },
    };
  }
}

let registered = false;
let asking = false;

/** True if some handler other than ours claims the URL (asked with ours switched off). */
function otherHandlerExists(url: string, kind: 'load' | 'save'): boolean {
  asking = true;
  try {
    return (kind === 'load' ? tf.io.getLoadHandlers(url) : tf.io.getSaveHandlers(url)).length > 0;
  } finally {
    asking = false;
  }
}

function router(kind: 'load' | 'save'): (url: string | string[]) => tf.io.IOHandler | null {
  return (url) => {
    if (asking || typeof url !== 'string' || !url.startsWith(SCHEME)) return null;
    if (otherHandlerExists(url, kind)) return null;
    return new FileSystemModelHandler(fileUrlToPath(url));
  };
}

/**
 * Registers `file://` load and save routers with tfjs's IO registry (idempotent). Returns true
 * if this call registered them. Node-only; not needed (and deferring) when tfjs-node is loaded.
 */
export function registerFileSystemRouter(): boolean {
  if (registered) return false;
  // tfjs types a router as always returning a handler, but its registry skips nulls (its own
  // http router returns null for other schemes).
  type Router = Parameters<typeof tf.io.registerLoadRouter>[0];
  tf.io.registerLoadRouter(router('load') as Router);
  tf.io.registerSaveRouter(router('save') as Router);
  registered = true;
  return true;
}
