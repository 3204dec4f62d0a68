// Commander parsers for integer flags, shared by every subcommand so bad values read the same everywhere.
import { InvalidArgumentError } from 'commander';

function integerFlag(flag: string, min: number, expectation: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < min) {
      throw new InvalidArgumentError(`${flag} expects ${expectation}; got '${value}'`);
    }
    return n;
  };
}

/** Parser of a flag that takes an integer >= 1. */
export function positiveInt(flag: string): (value: string) => number {
  return integerFlag(flag, 1, 'a positive integer');
}

/** Parser of a flag that takes an integer >= 0. */
export function nonNegativeInt(flag: string): (value: string) => number {
  return integerFlag(flag, 0, 'an integer >= 0');
}
