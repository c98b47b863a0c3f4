// Public surface of backend/: filled by the modules of this folder.
export {};
