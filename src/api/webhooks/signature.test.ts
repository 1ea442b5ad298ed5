import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { describe, test } from "node:test";
import { signDelivery, verifyDelivery } from "./signature.ts";

describe("webhook signatures", () => {
  const secret = "whsec_test-secret";
  const body = Buffer.from('{"ip":"203.0.113.7"}');
  const now = Date.UTC(2026, 11, 3, 12, 0, 0);
  const signedAt = now / 1000;
  const headers = signDelivery(secret, body, signedAt);
  const verify = (over: Partial<Parameters<typeof verifyDelivery>[0]>) =>
    verifyDelivery({
      secret,
      body,
      signature: headers["X-Rampart-Signature"],
      timestamp: headers["X-Rampart-Timestamp"],
      now,
      ...over,
    });

  test("the signature is HMAC-SHA256 over `<timestamp>.<raw body>`, as a recipe with openssl would make it", () => {
    const expected = createHmac("sha256", secret).update(`${signedAt}.${body.toString()}`).digest("hex");
    assert.deepEqual(headers, {
      "X-Rampart-Timestamp": String(signedAt),
      "X-Rampart-Signature": `sha256=${expected}`,
    });
    assert.deepEqual(verify({}), { ok: true });
  });

  test("a body, timestamp or secret other than the signed one is a mismatch", () => {
    assert.equal(verify({ body: Buffer.from('{"ip":"203.0.113.8"}') }).ok, false);
    const swapped = verify({ timestamp: String(signedAt + 1) });
    assert.deepEqual(swapped.ok === false && swapped.reason, "mismatch");
    const wrongSecret = verify({ secret: "whsec_other" });
    assert.deepEqual(wrongSecret.ok === false && wrongSecret.reason, "mismatch");
  });

  test("missing and malformed headers are named", () => {
    const noSignature = verify({ signature: undefined });
    assert.ok(
      !noSignature.ok && noSignature.reason === "missing" && /X-Rampart-Signature/.test(noSignature.message),
    );
    const noTimestamp = verify({ timestamp: undefined });
    assert.ok(!noTimestamp.ok && /X-Rampart-Timestamp/.test(noTimestamp.message));
    const notHex = verify({ signature: "sha256=zz" });
    assert.ok(!notHex.ok && notHex.reason === "malformed");
    const otherAlgorithm = verify({ signature: headers["X-Rampart-Signature"].replace("sha256", "sha1") });
    assert.ok(!otherAlgorithm.ok && otherAlgorithm.reason === "malformed");
    const notSeconds = verify({ timestamp: "2026-12-03T12:00:00Z" });
    assert.ok(!notSeconds.ok && notSeconds.reason === "malformed");
  });

  test("a delivery signed more than 5 minutes ago, or ahead, is a replay; within 5 minutes it passes", () => {
    assert.deepEqual(verify({ now: now + 300_000 }), { ok: true });
    const old = verify({ now: now + 301_000 });
    assert.ok(!old.ok && old.reason === "replay" && /ago/.test(old.message));
    assert.deepEqual(verify({ now: now - 300_000 }), { ok: true });
    const future = verify({ now: now - 301_000 });
    assert.ok(!future.ok && future.reason === "replay" && /future/.test(future.message));
  });

  test("an uppercase hex digest is accepted", () => {
    assert.deepEqual(
      verify({ signature: headers["X-Rampart-Signature"].toUpperCase().replace("SHA256", "sha256") }),
      {
        ok: true,
      },
    );
  });
});
