/** A real S3-protocol server for tests: s3rver, in this process, on a free local port. */
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import S3rver from "s3rver";
import { createS3Client } from "../../src/mail/s3_source.ts";

/** A running s3rver with one bucket, and a client for it. */
export interface TestS3 {
  endpoint: string;
  bucket: string;
  client: S3Client;
  /** Environment for a child daemon that must read this bucket. */
  env: Record<string, string>;
  put(key: string, body: Uint8Array): Promise<void>;
  /** Stops the server (an outage); `restart` brings it back on the same port with the same objects. */
  stop(): Promise<void>;
  restart(): Promise<void>;
  keys(prefix?: string): Promise<string[]>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Starts s3rver with an empty bucket. */
export async function testS3(bucket = "ses-inbound"): Promise<TestS3> {
  const directory = await Deno.makeTempDir();
  const start = async (port: number) => {
    const s = new S3rver({
      port,
      address: "127.0.0.1",
      directory,
      silent: true,
      configureBuckets: [{ name: bucket }],
    });
    return { s, port: (await s.run() as unknown as { port: number }).port };
  };
  let { s: server, port } = await start(0);
  let running = true;
  const endpoint = `http://127.0.0.1:${port}`;
  const credentials = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };
  const client = createS3Client({ region: "us-east-1", endpoint, credentials });
  const { ListObjectsV2Command } = await import("@aws-sdk/client-s3");
  return {
    endpoint,
    bucket,
    client,
    env: {
      SES_BUCKET: bucket,
      S3_ENDPOINT: endpoint,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_REGION: "us-east-1",
    },
    async put(key, body) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    },
    async keys(prefix) {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
        );
        keys.push(...(page.Contents ?? []).map((o) => o.Key!));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return keys.sort();
    },
    async stop() {
      if (running) await server.close();
      running = false;
    },
    async restart() {
      ({ s: server, port } = await start(port));
      running = true;
    },
    async [Symbol.asyncDispose]() {
      client.destroy();
      if (running) await server.close();
      await Deno.remove(directory, { recursive: true });
    },
  };
}
