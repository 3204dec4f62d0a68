// Public surface of the losses module.
export {};
