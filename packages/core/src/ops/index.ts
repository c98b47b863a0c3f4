// Public surface of ops/: filled by the modules of this folder.
export {};
