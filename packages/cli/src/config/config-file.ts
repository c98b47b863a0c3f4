// Reads `--config file.yaml|json` into a plain object of settings keyed by flag name. Keys may be
// written as flags (batch-size) or camelCase (batchSize); anything else is an error, because a
// misspelt key silently ignored is a run trained with the wrong settings.
import { readFileSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { UsageError } from '../errors.js';

const CONFIG_EXTENSIONS = ['.yaml', '.yml', '.json'];

/** camelCase → kebab-case, so `batchSize` and `batch-size` name the same setting. */
export function toFlagName(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/**
 * Loads a YAML or JSON config file and returns its settings keyed by flag name.
 * @param allowedKeys flag names the command accepts in a file
 * @param shownAs how error sentences name the file (as the user typed it)
 */
export function readConfigFile(path: string, allowedKeys: readonly string[], shownAs: string = path): Record<string, unknown> {
  const ext = extname(path).toLowerCase();
  if (!CONFIG_EXTENSIONS.includes(ext)) {
    throw new UsageError(`--config ${shownAs} must be a .yaml, .yml or .json file.`);
  }
  let text: string;
  try {
    if (!statSync(path).isFile()) throw new Error('not a file');
    text = readFileSync(path, 'utf8');
  } catch {
    throw new UsageError(`--config ${shownAs} does not exist or is not a readable file.`);
  }
  let data: unknown;
  try {
    data = ext === '.json' ? JSON.parse(text) : parseYaml(text, { prettyErrors: false });
  } catch (error) {
    const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new UsageError(`--config ${shownAs} is not valid ${ext === '.json' ? 'JSON' : 'YAML'}: ${detail}.`);
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new UsageError(`--config ${shownAs} must hold a mapping of settings such as 'model: vae', not a ${Array.isArray(data) ? 'list' : typeof data}.`);
  }
  const settings: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    const name = toFlagName(key);
    if (!allowedKeys.includes(name)) {
      throw new UsageError(`--config ${shownAs} has unknown key '${key}'; allowed keys are ${allowedKeys.join(', ')}.`);
    }
    if (name in settings) {
      throw new UsageError(`--config ${shownAs} sets '${name}' twice; keep one of its spellings.`);
    }
    settings[name] = value;
  }
  return settings;
}
