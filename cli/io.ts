/** What a command is given and returns; apart from cli/main.ts so that commands never import their dispatcher. */
export interface CliIO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  /** `columns`: the terminal's width when stderr is one (process.stderr.columns). */
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export type Command = (args: string[], io: CliIO) => Promise<number>;
