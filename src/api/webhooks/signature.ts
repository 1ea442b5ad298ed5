import { createHmac, timingSafeEqual } from "node:crypto";

export const SIGNATURE_HEADER = "x-rampart-signature";
export const TIMESTAMP_HEADER = "x-rampart-timestamp";
/** A delivery signed longer ago than this (or this far in the future) is refused as a replay. */
export const REPLAY_WINDOW_SECONDS = 300;

/** The headers a sender puts on a delivery: `sha256=<hex>` of HMAC-SHA256(secret, `<timestamp>.<body>`). */
export function signDelivery(
  secret: string,
  body: Uint8Array | string,
  timestamp: number,
): { "X-Rampart-Timestamp": string; "X-Rampart-Signature": string } {
  const seconds = String(Math.floor(timestamp));
  return { "X-Rampart-Timestamp": seconds, "X-Rampart-Signature": `sha256=${mac(secret, seconds, body)}` };
}

export type SignatureVerdict =
  | { ok: true }
  | { ok: false; reason: "missing" | "malformed" | "mismatch" | "replay"; message: string };

/**
 * Checks a delivery's signature and timestamp against the secret, in constant time over the MAC.
 * `now` is in epoch milliseconds. The timestamp is inside the signed text, so it cannot be swapped.
 */
export function verifyDelivery(input: {
  secret: string;
  body: Uint8Array | string;
  signature: string | undefined;
  timestamp: string | undefined;
  now: number;
}): SignatureVerdict {
  if (!input.signature || !input.timestamp)
    return {
      ok: false,
      reason: "missing",
      message: `the delivery must carry the ${!input.signature ? "X-Rampart-Signature" : "X-Rampart-Timestamp"} header`,
    };
  if (!/^\d{1,12}$/.test(input.timestamp))
    return { ok: false, reason: "malformed", message: "X-Rampart-Timestamp must be unix seconds" };
  const match = /^sha256=([0-9a-f]{64})$/i.exec(input.signature.trim());
  if (!match)
    return { ok: false, reason: "malformed", message: "X-Rampart-Signature must be sha256=<64 hex digits>" };
  const expected = Buffer.from(mac(input.secret, input.timestamp, input.body), "hex");
  const given = Buffer.from(match[1]!.toLowerCase(), "hex");
  // Verify before judging the time, so an unsigned request learns nothing about the window.
  if (!timingSafeEqual(expected, given))
    return { ok: false, reason: "mismatch", message: "the signature does not match the body" };
  const age = input.now / 1000 - Number(input.timestamp);
  if (Math.abs(age) > REPLAY_WINDOW_SECONDS)
    return {
      ok: false,
      reason: "replay",
      message: `the delivery was signed ${age > 0 ? "more than 5 minutes ago" : "more than 5 minutes in the future"}; a replay is refused (check the sender's clock)`,
    };
  return { ok: true };
}

function mac(secret: string, seconds: string, body: Uint8Array | string): string {
  return createHmac("sha256", secret).update(`${seconds}.`).update(body).digest("hex");
}
