/** What a command is given and returns; apart from cli/main.ts so that commands never import their dispatcher. */
export interface CliIO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export type Command = (args: string[], io: CliIO) => Promise<number>;
