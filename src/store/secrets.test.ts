import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { RampartError } from "../connectors/sdk/index.ts";
import { generateMasterKey, loadMasterKey, openSecretBox, parseKey, SecretBox } from "./secrets.ts";

function thrown(fn: () => unknown): RampartError {
  try {
    fn();
  } catch (error) {
    return error as RampartError;
  }
  assert.fail("expected an error");
}

describe("SecretBox", () => {
  const box = new SecretBox(randomBytes(32));

  test("round-trips text, with a fresh IV each time", () => {
    const secret = JSON.stringify({ auth_token: "tok-ünïcode-1234567890" });
    const a = box.encrypt(secret, "connection:prod");
    const b = box.encrypt(secret, "connection:prod");
    assert.match(a, /^v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
    assert.notEqual(a, b);
    assert.ok(!a.includes("tok-"));
    assert.equal(box.decrypt(a, "connection:prod"), secret);
    assert.equal(box.decrypt(b, "connection:prod"), secret);
    assert.equal(box.decrypt(box.encrypt(""), ""), "");
  });

  test("a wrong key is an AuthError that reveals nothing", () => {
    const sealed = box.encrypt("hunter2-secret", "c");
    const other = new SecretBox(randomBytes(32));
    const error = thrown(() => other.decrypt(sealed, "c"));
    assert.equal(error.type, "AuthError");
    assert.match(error.message, /master key/);
    assert.ok(!error.message.includes("hunter2"));
    assert.ok(!error.message.includes(sealed.split(":")[1]!));
  });

  test("a value moved to another context, or altered, does not decrypt", () => {
    const sealed = box.encrypt("value", "connection:a");
    assert.equal(thrown(() => box.decrypt(sealed, "connection:b")).type, "AuthError");
    const [v, iv, tag, data] = sealed.split(":") as [string, string, string, string];
    const flipped = Buffer.from(data, "base64");
    flipped[0] = flipped[0]! ^ 1;
    assert.equal(
      thrown(() => box.decrypt([v, iv, tag, flipped.toString("base64")].join(":"), "connection:a")).type,
      "AuthError",
    );
  });

  test("an unknown format is a ValidationError", () => {
    assert.equal(thrown(() => box.decrypt("v9:a:b:c")).type, "ValidationError");
    assert.equal(thrown(() => box.decrypt("plain text")).type, "ValidationError");
    assert.equal(thrown(() => box.decrypt("v1:AAAA:AAAA:AAAA")).type, "ValidationError");
  });
});

describe("master key", () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), "rampart-key-"));
  });
  after(() => {
    rmSync(root, { recursive: true, force: true });
  });

  test("is created on first use as an owner-only key file, and reused afterwards", () => {
    const dataDir = join(root, "first-use");
    const key = loadMasterKey({ dataDir, env: {} });
    assert.equal(key.length, 32);
    const file = join(dataDir, "master.key");
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(dataDir).mode & 0o777, 0o700);
    assert.deepEqual(Buffer.from(readFileSync(file, "utf8").trim(), "base64"), key);
    assert.deepEqual(loadMasterKey({ dataDir, env: {} }), key);
    assert.deepEqual(readdirSync(dataDir), ["master.key"], "no temporary file is left behind");

    const sealed = openSecretBox({ dataDir, env: {} }).encrypt("kept");
    assert.equal(openSecretBox({ dataDir, env: {} }).decrypt(sealed), "kept");
  });

  test("a key file readable by others is refused", () => {
    const dataDir = join(root, "loose");
    loadMasterKey({ dataDir, env: {} });
    chmodSync(join(dataDir, "master.key"), 0o644);
    const error = thrown(() => loadMasterKey({ dataDir, env: {} }));
    assert.equal(error.type, "ValidationError");
    assert.match(error.message, /chmod 600/);
  });

  test("RAMPART_MASTER_KEY wins over the key file, as base64 or hex", () => {
    const dataDir = join(root, "env");
    const raw = randomBytes(32);
    assert.deepEqual(loadMasterKey({ dataDir, env: { RAMPART_MASTER_KEY: raw.toString("base64") } }), raw);
    assert.deepEqual(loadMasterKey({ dataDir, env: { RAMPART_MASTER_KEY: raw.toString("hex") } }), raw);
    assert.deepEqual(
      loadMasterKey({ dataDir, env: { RAMPART_MASTER_KEY: ` ${raw.toString("hex")}\n` } }),
      raw,
    );
    assert.throws(
      () => statSync(join(dataDir, "master.key")),
      /ENOENT/,
      "no key file when the env gives the key",
    );
    const generated = generateMasterKey();
    assert.equal(parseKey(generated, "x").length, 32);
  });

  test("a malformed RAMPART_MASTER_KEY is a clear error that does not echo the value", () => {
    for (const bad of ["short", "a".repeat(63), randomBytes(16).toString("base64"), "not base64 at all!!"]) {
      const error = thrown(() =>
        loadMasterKey({ dataDir: join(root, "bad"), env: { RAMPART_MASTER_KEY: bad } }),
      );
      assert.equal(error.type, "ValidationError");
      assert.equal(error.field, "RAMPART_MASTER_KEY");
      assert.match(error.message, /RAMPART_MASTER_KEY must be a 32-byte key/);
      assert.ok(!error.message.includes(bad));
    }
  });

  test("a key file with garbage in it is refused, naming the file", () => {
    const dataDir = join(root, "garbage");
    loadMasterKey({ dataDir, env: {} });
    writeFileSync(join(dataDir, "master.key"), "garbage\n", { mode: 0o600 });
    const error = thrown(() => loadMasterKey({ dataDir, env: {} }));
    assert.equal(error.type, "ValidationError");
    assert.match(error.message, /master\.key must be a 32-byte key/);
  });
});
