// Public surface of losses/: filled by the modules of this folder.
export {};
