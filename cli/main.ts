/**
 * `arc-dynamodb`: one entry that dispatches to the commands in cli/commands/.
 * Each command module exports `run(args, io)` and returns the process exit code.
 */
import type { CliIO, Command } from './io';

export type { CliIO, Command };

const COMMANDS: Record<string, { summary: string; load: () => Command }> = {
  expand: { summary: 'expand a template and print it', load: () => require('./commands/expand').run },
  validate: { summary: 'check a template without printing it', load: () => require('./commands/validate').run },
  load: { summary: 'load S3 objects or local files into a table, or follow a distributed load', load: () => require('./commands/load').run },
  indexes: {
    summary: "hand a table's indexes over to GlobalSecondaryIndexManagement PROVIDER (indexes handover)",
    load: () => require('./commands/indexes').run,
  },
  status: { summary: 'show what the arc-dynamodb resources of a stack are doing', load: () => require('./commands/status').run },
  local: { summary: 'run the tables of a template in DynamoDB Local (local up | local down)', load: () => require('./commands/local').run },
};

export function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `usage: arc-dynamodb <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nRun 'npx arc-dynamodb <command> --help' for a command's options.\n`;
}

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.stderr : io.stdout).write(usage());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr.write(`arc-dynamodb: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  try {
    return await command.load()(rest, io);
  } catch (e) {
    // A command reports its own errors; reaching here is a bug, but the user still gets one line, not a trace.
    io.stderr.write(`arc-dynamodb ${name}: ${(e as Error).message}\n`);
    if (io.env.ARC_DYNAMODB_DEBUG) io.stderr.write(`${(e as Error).stack}\n`);
    return 1;
  }
}
