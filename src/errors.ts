// The small typed family of errors every command may end with. Each carries the exit
// code the CLI uses and a hint that names the fix; the CLI prints message and hint,
// never a stack trace (unless --verbose).

export const EXIT = { ok: 0, failure: 1, usage: 2, incomplete: 3, interrupted: 130 } as const;

export class PocError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
    readonly exitCode: number = EXIT.failure,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad usage or input. Raised before any AWS call, so nothing was changed. */
export class UsageError extends PocError {
  constructor(message: string, hint?: string) {
    super(message, hint, EXIT.usage);
  }
}

/** AWS refused or failed; the hint says what to do (often: run the same command again). */
export class AwsFailure extends PocError {
  constructor(message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, hint, EXIT.failure, options);
  }
}

/** Missing, expired or invalid credentials. */
export class CredentialsError extends PocError {
  constructor(message: string, hint: string, options?: { cause?: unknown; exitCode?: number }) {
    super(message, hint, options?.exitCode ?? EXIT.failure, options);
  }
}

/** The user stopped the run with Ctrl-C. (Choosing "quit" at a --step question is an answer, not an error: exit 0.) */
export class Interrupted extends PocError {
  constructor(message = 'Interrupted.', hint?: string) {
    super(message, hint, EXIT.interrupted);
  }
}

/** The endpoint (AWS or an emulator) stopped answering: refused, reset, or its name does not resolve. */
export class EndpointUnreachable extends AwsFailure {
  constructor(
    message: string,
    hint: string,
    readonly endpoint: string | undefined,
    /** What poc was waiting for when it gave up, if it was waiting. */
    readonly waitedFor?: string,
    options?: { cause?: unknown },
  ) {
    super(message, hint, options);
  }
}

/** A bug in poc itself (a TypeError and the like): not AWS's fault, and worth reporting. */
export class InternalError extends PocError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(
      `poc hit an internal error: ${message}`,
      'This is a bug in poc, not in your AWS account or input. Please report it with the command you ran and the output of the same command with --verbose (it prints the stack trace).',
      EXIT.failure,
      options,
    );
  }
}
