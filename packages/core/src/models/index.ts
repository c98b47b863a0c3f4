// Public surface of models/: filled by the modules of this folder.
export {};
