// Public surface of samples/: filled by the modules of this folder.
export {};
