// Public surface of noise/: filled by the modules of this folder.
export {};
