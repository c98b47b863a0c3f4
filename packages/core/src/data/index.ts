// Public surface of data/: filled by the modules of this folder.
export {};
