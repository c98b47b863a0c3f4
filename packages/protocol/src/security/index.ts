// @dgm/protocol/security: the closed cluster. CURVE key pairs and their files, the allow-list,
// and the one API that makes a socket a CURVE server (behind this process's ZAP handler) or
// client. Imports zeromq and node:crypto/fs only: `dgm keys new` loads no model code.
export { newCurveKeyPair, publicKeyOf, fingerprintOf, type CurveKeyPair } from './keys.js';
export { isKeyText } from './z85.js';
export {
  writeKeyPairFiles,
  readSecretKeyFile,
  readPublicKeys,
  readPublicKeyFile,
  KeyFileError,
  SECRET_KEY_FILE,
  PUBLIC_KEY_FILE,
  type KeyPairFiles,
} from './key-files.js';
export {
  secureServer,
  secureClient,
  assertCurveAvailable,
  checkCurveServerKeys,
  checkCurveClientKeys,
  CurveSetupError,
  type CurveServerKeys,
  type CurveClientKeys,
  type ServerAllowList,
} from './curve-socket.js';
export { RefusalLog, type Refusal } from './refusal-log.js';
export { ZAP_ENDPOINT } from './zap-handler.js';
