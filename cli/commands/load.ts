import type { Command } from '../main';

// Bring-up placeholder: replaced by the real command (see the issue tracker).
export const run: Command = async (_args, io) => {
  io.stderr.write('arc-dynamodb load: not available yet\n');
  return 2;
};
