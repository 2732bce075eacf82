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
  constructor(message: string, hint: string, options?: { cause?: unknown }) {
    super(message, hint, EXIT.failure, options);
  }
}

/** The user stopped the run with Ctrl-C. (Choosing "quit" at a --step question is an answer, not an error: exit 0.) */
export class Interrupted extends PocError {
  constructor(message = 'Interrupted.', hint?: string) {
    super(message, hint, EXIT.interrupted);
  }
}
