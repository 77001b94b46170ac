/** HEAD of an S3 object for retention's check of originals (imported only when an S3 location comes up). */
import { HeadObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { S3Head } from "./originals.ts";

/** The size of `bucket/key` through `client`; undefined when there is no such object. */
export function s3Head(client: S3Client): S3Head {
  return async (bucket, key) => {
    try {
      return (await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).ContentLength;
    } catch (error) {
      const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
      if (e.name === "NotFound" || e.name === "NoSuchKey" || e.$metadata?.httpStatusCode === 404) {
        return undefined;
      }
      throw error;
    }
  };
}
