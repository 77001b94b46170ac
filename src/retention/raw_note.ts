/** What the console says when an email's original is not in the database. */

/** "raw dropped on <date>, original at <location>" after retention; the oversize case otherwise. */
export function rawNotStoredNote(droppedAt: Date | null, location: string | null): string {
  if (droppedAt !== null) {
    return `The raw message was dropped on ${droppedAt.toISOString().slice(0, 10)} (RETENTION_RAW); ` +
      `the original is at ${location ?? "its source"}.`;
  }
  return "The original was too large to store in the database; it is kept at " +
    `${location ?? "its source"}.`;
}
