// Key files on disk, as `dgm keys new` writes them and --key, --allow and --server-key read them:
//   secret.key  mode 0600: "secret-key <Z85>" and "public-key <Z85>" lines (refused when group or
//               others may read it: a secret that other users can read is no secret)
//   public.key  one public key: a valid allow-list by itself, so `cat */public.key > allow` makes one
// An allow-list is one public key per line; blank lines and lines starting with # are comments
// (a line whose first word is a 40-character key is a key, even if that key starts with #).
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DgmInputError } from '@dgm/core/errors';
import { newCurveKeyPair, publicKeyOf, type CurveKeyPair } from './keys.js';
import { isKeyText } from './z85.js';

/** A key file that is missing, unreadable, malformed or too open (the caller's input: CLI exit 2). */
export class KeyFileError extends DgmInputError {
  override name = 'KeyFileError';
}

export const SECRET_KEY_FILE = 'secret.key';
export const PUBLIC_KEY_FILE = 'public.key';

/** Where `writeKeyPairFiles` put the two halves. */
export interface KeyPairFiles {
  secretFile: string;
  publicFile: string;
  publicKey: string;
}

/**
 * Writes a fresh key pair into `dir` (made 0700 if missing): secret.key (0600) and public.key.
 * Never overwrites: if either file exists nothing is written and KeyFileError says so.
 */
export function writeKeyPairFiles(dir: string, pair: CurveKeyPair = newCurveKeyPair()): KeyPairFiles {
  const secretFile = join(dir, SECRET_KEY_FILE);
  const publicFile = join(dir, PUBLIC_KEY_FILE);
  for (const file of [secretFile, publicFile]) {
    if (existsSync(file)) throw new KeyFileError(`${file} already exists; dgm keys new never overwrites a key: choose another --out directory or remove the old key first.`);
  }
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new KeyFileError(`--out ${dir} is a file; give a directory for the key pair.`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const secretText = [
    '# dgm CURVE key pair, secret half: keep it private (mode 0600); never share, copy to a shared disk or commit it.',
    `# Its public half is in ${PUBLIC_KEY_FILE}: that is what goes into a coordinator's --allow file or a worker's --server-key.`,
    `secret-key ${pair.secretKey}`,
    `public-key ${pair.publicKey}`,
    '',
  ].join('\n');
  // 'wx': fail rather than follow a file or link created meanwhile; 0600 from the first byte.
  writeFileSync(secretFile, secretText, { mode: 0o600, flag: 'wx' });
  writeFileSync(publicFile, `# dgm CURVE public key: share it freely (an --allow list, a worker's --server-key).\n${pair.publicKey}\n`, { mode: 0o644, flag: 'wx' });
  return { secretFile, publicFile, publicKey: pair.publicKey };
}

/** The meaningful lines of a key file: [line number, words], comments and blank lines left out. */
function keyLines(text: string): [number, string[]][] {
  const lines: [number, string[]][] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const words = line.trim().split(/\s+/).filter((w) => w !== '');
    if (words.length === 0) return;
    if (words[0].startsWith('#') && !isKeyText(words[0])) return;
    lines.push([i + 1, words]);
  });
  return lines;
}

function readText(file: string, label: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new KeyFileError(`${label} ${file} does not exist; make a key pair with dgm keys new --out DIR.`);
    if (code === 'EISDIR') throw new KeyFileError(`${label} ${file} is a directory; give the key file inside it.`);
    throw new KeyFileError(`${label} ${file} could not be read: ${(error as Error).message}.`);
  }
}

/**
 * Public keys of an allow-list or public key file (`label` names the flag in sentences, e.g.
 * "--allow"). Throws KeyFileError on a line that is not a key, a secret key file, or no key at all.
 */
export function readPublicKeys(file: string, label: string): string[] {
  const keys: string[] = [];
  for (const [line, words] of keyLines(readText(file, label))) {
    if (words[0] === 'secret-key' || words[0] === 'public-key') {
      throw new KeyFileError(`${label} ${file} is a secret key file; give a public key file (${PUBLIC_KEY_FILE}), never the secret half.`);
    }
    if (!isKeyText(words[0]) || (words.length > 1 && !words[1].startsWith('#'))) {
      throw new KeyFileError(`${label} ${file} line ${line} is not a public key; allowed are one 40-character Z85 key per line (as in ${PUBLIC_KEY_FILE}), blank lines and # comments.`);
    }
    keys.push(words[0]);
  }
  if (keys.length === 0) throw new KeyFileError(`${label} ${file} holds no public key; list one 40-character key per line (cat the ${PUBLIC_KEY_FILE} files into it).`);
  return keys;
}

/** The one public key of a file (a worker's --server-key). */
export function readPublicKeyFile(file: string, label: string): string {
  const keys = readPublicKeys(file, label);
  if (keys.length !== 1) throw new KeyFileError(`${label} ${file} must hold exactly one public key (the coordinator's ${PUBLIC_KEY_FILE}); it holds ${keys.length}.`);
  return keys[0];
}

/**
 * A secret key file (--key): refused if group or others may read it, if it holds no secret key,
 * or if its public-key line does not belong to its secret key.
 */
export function readSecretKeyFile(file: string, label: string): CurveKeyPair {
  let secretKey: string | null = null;
  let publicKey: string | null = null;
  const text = readText(file, label);
  for (const [line, words] of keyLines(text)) {
    const value = words[1] ?? '';
    if ((words[0] === 'secret-key' || words[0] === 'public-key') && isKeyText(value) && words.length === 2) {
      if (words[0] === 'secret-key') secretKey = value;
      else publicKey = value;
    } else if (isKeyText(words[0])) {
      throw new KeyFileError(`${label} ${file} holds a bare key, as a public key file does; give the ${SECRET_KEY_FILE} that dgm keys new wrote.`);
    } else {
      throw new KeyFileError(`${label} ${file} line ${line} is not allowed; a secret key file holds 'secret-key <key>' and 'public-key <key>' lines and # comments.`);
    }
  }
  if (secretKey === null) throw new KeyFileError(`${label} ${file} holds no 'secret-key <key>' line; make a key pair with dgm keys new --out DIR.`);
  // Checked once the file is known to be a secret key file (a public.key given by mistake gets that sentence instead).
  const mode = statSync(file).mode;
  if ((mode & 0o077) !== 0) {
    const octal = (mode & 0o777).toString(8).padStart(3, '0');
    throw new KeyFileError(`${label} ${file} is readable by other users (mode ${octal}); a secret key must be private: chmod 600 ${file}.`);
  }
  const derived = publicKeyOf(secretKey);
  if (publicKey !== null && publicKey !== derived) throw new KeyFileError(`${label} ${file} has a public-key line that does not belong to its secret key; the file was edited or mixed up.`);
  return { publicKey: derived, secretKey };
}
