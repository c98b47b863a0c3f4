/**
 * Wire protocol version. A peer speaking another version is rejected at the handshake: the
 * header layout and the meaning of frames may change between versions.
 */
export const PROTOCOL_VERSION = 1;
