// Public surface of the models module.
export {};
