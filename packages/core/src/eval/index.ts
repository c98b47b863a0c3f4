// Public surface of eval/: filled by the modules of this folder.
export {};
