/**
 * The S3 source: the objects that an SES receipt rule's S3 action writes under `SES_PREFIX`. SES names objects
 * with random keys, so every poll lists the whole prefix (no "start after" cursor); ingested objects leave the
 * prefix (moved under `S3_PROCESSED_PREFIX`, or deleted), which keeps the listing short.
 */
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  S3Client,
} from "@aws-sdk/client-s3";
import { type MailSource, type SourceItem, SourceItemGone } from "./source.ts";

/** Options of {@linkcode s3Source}. */
export interface S3SourceOptions {
  bucket: string;
  prefix: string;
  processedPrefix: string;
  afterIngest: "move" | "delete";
  region: string;
  /** An S3-compatible endpoint (MinIO, s3rver, …); path-style addressing is used with it. */
  endpoint?: string;
}

/** The object SES writes when a receipt rule is created; it is not mail. */
const SES_SETUP_OBJECT = "AMAZON_SES_SETUP_NOTIFICATION";

/** Creates the S3 client with the settings S3-compatible stores need. */
export function createS3Client(
  options: Pick<S3SourceOptions, "region" | "endpoint"> & {
    /** Explicit credentials (tests); by default the SDK's chain: AWS_ACCESS_KEY_ID…, profile, instance role. */
    credentials?: { accessKeyId: string; secretAccessKey: string };
  },
): S3Client {
  return new S3Client({
    region: options.region,
    credentials: options.credentials,
    endpoint: options.endpoint,
    forcePathStyle: options.endpoint !== undefined,
    // With the SDK's default (WHEN_SUPPORTED) S3-compatible stores keep the chunk framing of a streamed upload
    // in the object, and reject or mis-validate checksums: only compute them where the API requires one.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}

/** Lists and reads the receipt rule's objects in `bucket` under `prefix`. */
export function s3Source(options: S3SourceOptions, client = createS3Client(options)): MailSource {
  const { bucket, prefix, processedPrefix } = options;
  const processedKey = (key: string) => processedPrefix + key.slice(prefix.length);
  const objectKey = (item: SourceItem) => item.name;
  const get = async (item: SourceItem) => {
    const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: objectKey(item) })).catch(
      (error) => {
        throw isNoSuchKey(error) ? new SourceItemGone(item.name) : error;
      },
    );
    if (!res.Body) throw new Error(`Cannot read s3://${bucket}/${item.name}: empty response body`);
    return res.Body;
  };
  return {
    kind: "s3",
    description: `s3://${bucket}/${prefix}`,
    async *list() {
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix || undefined, ContinuationToken: token }),
        );
        for (const obj of page.Contents ?? []) {
          const key = obj.Key;
          if (!key || key.endsWith("/") || key.startsWith(processedPrefix)) continue;
          if (key.slice(prefix.length) === SES_SETUP_OBJECT) continue;
          yield { name: key, size: obj.Size, key: `s3://${bucket}/${key}` };
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    },
    async read(item) {
      return await (await get(item)).transformToByteArray();
    },
    async open(item) {
      return (await get(item)).transformToWebStream() as ReadableStream<Uint8Array>;
    },
    location(item, { keep }) {
      return options.afterIngest === "move" || keep
        ? `s3://${bucket}/${processedKey(objectKey(item))}`
        : null;
    },
    async finish(item, { keep }) {
      const key = objectKey(item);
      try {
        if (options.afterIngest === "move" || keep) {
          await client.send(
            new CopyObjectCommand({
              Bucket: bucket,
              Key: processedKey(key),
              CopySource: `${bucket}/${key.split("/").map(encodeURIComponent).join("/")}`,
            }),
          );
        }
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
      } catch (error) {
        // Moved or deleted by another instance (or by us before a crash): nothing left to do.
        if (!isNoSuchKey(error)) throw error;
      }
    },
  };
}

function isNoSuchKey(error: unknown): boolean {
  return error instanceof NoSuchKey || (error as { name?: string }).name === "NoSuchKey";
}
