import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { linkSync, readFileSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AuthError, ValidationError } from "../connectors/sdk/index.ts";
import { ensureDataDir } from "./database.ts";

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const VERSION = "v1";
export const MASTER_KEY_ENV = "RAMPART_MASTER_KEY";
export const KEY_FILE = "master.key";

/**
 * Encrypts values at rest with AES-256-GCM: a fresh random IV per value, and the
 * authentication tag checked on decrypt, so a wrong key or a tampered value fails loudly.
 * Format: `v1:<iv>:<tag>:<ciphertext>`, each part base64.
 */
export class SecretBox {
  readonly #key: Buffer;

  constructor(key: Uint8Array) {
    if (key.length !== KEY_BYTES) throw new ValidationError(`master key must be ${KEY_BYTES} bytes`);
    this.#key = Buffer.from(key);
  }

  /** `context` (e.g. the row's name) is bound to the ciphertext: a value moved to another row will not decrypt. */
  encrypt(plaintext: string, context = ""): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.#key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context, "utf8"));
    const data = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, iv.toString("base64"), tag.toString("base64"), data.toString("base64")].join(":");
  }

  decrypt(sealed: string, context = ""): string {
    const parts = sealed.split(":");
    if (parts[0] !== VERSION || parts.length !== 4) {
      throw new ValidationError(
        `encrypted value has an unknown format (expected ${VERSION}:<iv>:<tag>:<data>)`,
      );
    }
    const [, ivText, tagText, dataText] = parts as [string, string, string, string];
    const iv = Buffer.from(ivText, "base64");
    const tag = Buffer.from(tagText, "base64");
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
      throw new ValidationError("encrypted value is damaged (bad IV or tag length)");
    }
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.#key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(context, "utf8"));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(Buffer.from(dataText, "base64")), decipher.final()]).toString(
        "utf8",
      );
    } catch {
      // Deliberately vague: say neither which part failed nor anything about the key.
      throw new AuthError(
        `cannot decrypt stored secrets: the master key (${MASTER_KEY_ENV} or ${KEY_FILE}) is not the one they were saved with, or the data was altered`,
      );
    }
  }
}

export interface MasterKeyOptions {
  dataDir: string;
  env?: NodeJS.ProcessEnv;
}

/** The key from `$RAMPART_MASTER_KEY` if set, else `<dataDir>/master.key`, created (0600) on first use. */
export function loadMasterKey(options: MasterKeyOptions): Buffer {
  const fromEnv = (options.env ?? process.env)[MASTER_KEY_ENV];
  if (fromEnv !== undefined && fromEnv.trim() !== "") return parseKey(fromEnv, MASTER_KEY_ENV);
  return readOrCreateKeyFile(join(ensureDataDir(options.dataDir), KEY_FILE));
}

/** A SecretBox over the master key that `loadMasterKey` finds or creates. */
export function openSecretBox(options: MasterKeyOptions): SecretBox {
  return new SecretBox(loadMasterKey(options));
}

/** A new random key, in the base64 form `RAMPART_MASTER_KEY` and the key file take. */
export function generateMasterKey(): string {
  return randomBytes(KEY_BYTES).toString("base64");
}

/** Accepts 64 hex digits or base64 of exactly 32 bytes; never echoes the value in an error. */
export function parseKey(text: string, source: string): Buffer {
  const value = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, "hex");
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(value)) {
    const key = Buffer.from(value, value.includes("-") || value.includes("_") ? "base64url" : "base64");
    if (key.length === KEY_BYTES) return key;
  }
  throw new ValidationError(
    `${source} must be a ${KEY_BYTES}-byte key written as 64 hex digits or base64 (e.g. \`openssl rand -base64 32\`)`,
    { field: source },
  );
}

function readOrCreateKeyFile(path: string): Buffer {
  const key = randomBytes(KEY_BYTES);
  // Write the key whole to a private temporary file, then link it into place: link fails
  // if the key file exists, so processes starting at once agree on one key and none ever
  // reads a half-written file.
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  writeFileSync(temporary, `${key.toString("base64")}\n`, { mode: 0o600, flag: "wx" });
  try {
    linkSync(temporary, path);
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  } finally {
    unlinkSync(temporary);
  }
  if (process.platform !== "win32" && (statSync(path).mode & 0o077) !== 0) {
    throw new ValidationError(
      `${path} is readable by other users; make it owner-only (chmod 600 ${path}) and try again`,
      { field: KEY_FILE },
    );
  }
  return parseKey(readFileSync(path, "utf8"), path);
}
