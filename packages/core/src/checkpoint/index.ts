// Public surface of checkpoint/: filled by the modules of this folder.
export {};
