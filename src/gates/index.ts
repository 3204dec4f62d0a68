// Public surface of the gates module.
export {};
