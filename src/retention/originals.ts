/**
 * Is a message's original still kept at its `location`? Retention drops stored raw bytes only when it is:
 * never the only copy. A location is `s3://bucket/key` (the S3 processed prefix: a HEAD request) or a file
 * path (the processed folder: a stat). Found means present with the size that was stored.
 */

/** Answers whether the original at `location` exists with `sizeBytes` bytes; throws when it cannot tell. */
export type OriginalCheck = (location: string, sizeBytes: number) => Promise<boolean>;

/** The size of an S3 object, or undefined when there is none (see s3_head.ts). */
export type S3Head = (bucket: string, key: string) => Promise<number | undefined>;

/**
 * Checks `s3://` locations with the S3Head that `s3` resolves to (asked for on first use, so that the AWS SDK
 * is loaded only when an S3 location comes up) and anything else as a file path.
 */
export function originalCheck(s3: () => Promise<S3Head>): OriginalCheck {
  let head: Promise<S3Head> | undefined;
  return async (location, sizeBytes) => {
    const url = /^s3:\/\/([^/]+)\/(.+)$/s.exec(location);
    if (url) return await (await (head ??= s3()))(url[1], url[2]) === sizeBytes;
    return await fileSize(location) === sizeBytes;
  };
}

async function fileSize(path: string): Promise<number | undefined> {
  try {
    const info = await Deno.stat(path);
    return info.isFile ? info.size : undefined;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}
