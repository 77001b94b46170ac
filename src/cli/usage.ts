/** A mistake in how a command was called: main.ts prints its message (what to fix) and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}
