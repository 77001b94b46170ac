/**
 * SNS signing for tests: a key and certificate of the test's own (openssl), AWS's string to sign, and an HTTPS
 * server that serves the certificate to the verifier exactly as SNS's certificate host would.
 */
import assert from "node:assert/strict";
import { createSign } from "node:crypto";
import { fetchCertificate, type SnsMessage, type SnsVerifyOptions } from "../../src/mail/sns_verify.ts";

export const CERT_PATH = "/SimpleNotificationService-0123456789abcdef.pem";

/**
 * A key and a self-signed certificate for 127.0.0.1, made by openssl (node:crypto cannot issue certificates).
 * The certificate signs the SNS messages and also serves the HTTPS of the certificate server, so the test
 * fetches it exactly as production does: over TLS, from a host the test allows.
 */
export async function makePki(): Promise<{ key: string; cert: string }> {
  const dir = await Deno.makeTempDir({ prefix: "sns-pki-" });
  try {
    const out = await new Deno.Command("openssl", {
      args: [
        ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1"],
        ...["-keyout", `${dir}/key.pem`, "-out", `${dir}/cert.pem`],
        // rustls refuses a CA certificate as a server's own: mark it as an end entity.
        ...["-addext", "subjectAltName=IP:127.0.0.1", "-addext", "basicConstraints=critical,CA:FALSE"],
      ],
      stdout: "null",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    return {
      key: await Deno.readTextFile(`${dir}/key.pem`),
      cert: await Deno.readTextFile(`${dir}/cert.pem`),
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The key and certificate of this test run. */
export const pki = await makePki();

/**
 * AWS's string to sign, written here from the SNS guide ("Verifying the signatures of Amazon SNS messages")
 * rather than taken from the code under test, so that a mistake there cannot sign and verify alike.
 */
export function awsStringToSign(m: Record<string, string | undefined>): string {
  const names = m.Type === "Notification"
    ? ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"]
    : ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"];
  return names.filter((n) => m[n] !== undefined).map((n) => `${n}\n${m[n]}\n`).join("");
}

/** Signs `fields` as SNS does: SignatureVersion 1 with SHA1withRSA, 2 with SHA256withRSA. */
export function sign(
  fields: Record<string, string | undefined>,
  options: { version?: "1" | "2"; certUrl: string; key?: string },
): SnsMessage {
  const version = options.version ?? "2";
  const msg = { ...fields, SignatureVersion: version, SigningCertURL: options.certUrl };
  const signer = createSign(version === "1" ? "RSA-SHA1" : "RSA-SHA256").update(awsStringToSign(msg));
  return { ...msg, Signature: signer.sign(options.key ?? pki.key, "base64") } as SnsMessage;
}

/** An HTTPS server on 127.0.0.1 that serves the certificate, and verify options that trust it (and count). */
export function certServer(answer: { status?: number } = {}) {
  const requests: string[] = [];
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", cert: pki.cert, key: pki.key, onListen: () => {} },
    (req) => {
      const path = new URL(req.url).pathname;
      requests.push(path);
      if (answer.status) return new Response("scripted", { status: answer.status });
      return path === CERT_PATH ? new Response(pki.cert) : new Response("not found", { status: 404 });
    },
  );
  const client = Deno.createHttpClient({ caCerts: [pki.cert] });
  const origin = `https://127.0.0.1:${server.addr.port}`;
  const verify: SnsVerifyOptions = {
    fetchCert: (url) => fetchCertificate(url, { client }),
    unsafeAllowCertHost: (host) => host === "127.0.0.1",
  };
  return {
    certUrl: `${origin}${CERT_PATH}`,
    origin,
    requests,
    verify,
    async [Symbol.asyncDispose]() {
      client.close();
      await server.shutdown();
    },
  };
}
