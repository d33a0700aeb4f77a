/** `--port` (and `PORT` for `npm start`): 0 to 65535, where 0 lets the system pick a free port. */
import { InvalidArgumentError } from 'commander';

export function parsePort(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 65_535) throw new InvalidArgumentError('It must be a whole number from 0 to 65535 (0 picks a free one).');
  return Number(value);
}
