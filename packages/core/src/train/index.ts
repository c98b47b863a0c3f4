// Public surface of train/: filled by the modules of this folder.
export {};
