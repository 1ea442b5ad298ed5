import { createHash, randomBytes } from "node:crypto";

/** A random credential with a prefix saying what it is (`rpt_` API token, `rps_` session): 256 bits. */
export function newCredential(prefix: "rpt" | "rps"): string {
  return `${prefix}_${randomBytes(32).toString("base64url")}`;
}

/** What the store keeps of a credential: its SHA-256. The credential is random, so no slow hash is needed. */
export function credentialHash(credential: string): string {
  return createHash("sha256").update(credential).digest("hex");
}
