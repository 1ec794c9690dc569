// Webhook signatures. Two schemes on every delivery:
// - `X-Modelux-Signature`: hex HMAC-SHA256 of the raw body, keyed with the signing secret
//   (the whole `whsec_…` string, as UTF-8);
// - Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`), which also
//   signs the id and timestamp so a receiver can refuse replays.
// During a secret rotation's overlap both secrets sign: the headers carry one signature per
// secret (comma-separated hex; space-separated `v1,…`), and a receiver accepts any that matches.
import { createHmac, randomBytes } from "node:crypto";
import { Webhook } from "standardwebhooks";

export function newSigningSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

export function hmacHex(secret: string, body: string): string {
  return createHmac("sha256", secret).update(body).digest("hex");
}

export function signatureHeaders(input: {
  messageId: string;
  timestamp: Date;
  body: string;
  secrets: string[];
}): Record<string, string> {
  const { messageId, timestamp, body, secrets } = input;
  return {
    "x-modelux-signature": secrets.map((secret) => hmacHex(secret, body)).join(","),
    "webhook-id": messageId,
    "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1000)),
    "webhook-signature": secrets
      .map((secret) => new Webhook(secret).sign(messageId, timestamp, body))
      .join(" "),
  };
}
