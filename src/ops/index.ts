// Public surface of the ops module.
export {};
