import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A private CA with a server certificate for 127.0.0.1 and a client certificate, all PEM. */
export interface TestPki {
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

/** Why the fixture cannot be made here, or undefined when `openssl` is available. */
export function pkiUnavailable(): string | undefined {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return undefined;
  } catch {
    return "openssl is not installed, so no test certificates can be made";
  }
}

/** Makes a throwaway PKI with the openssl command line (EC keys, valid for two days). */
export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), "rampart-pki-"));
  const run = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  const key = (name: string) => run("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", name);
  try {
    key("ca.key");
    run(
      "req",
      "-x509",
      "-new",
      "-key",
      "ca.key",
      "-out",
      "ca.crt",
      "-days",
      "2",
      "-subj",
      "/CN=Rampart Test CA",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    );
    const issue = (name: string, subject: string, extensions: string) => {
      key(`${name}.key`);
      run("req", "-new", "-key", `${name}.key`, "-out", `${name}.csr`, "-subj", subject);
      writeFileSync(join(dir, `${name}.ext`), extensions);
      run(
        "x509",
        "-req",
        "-in",
        `${name}.csr`,
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        `${name}.crt`,
        "-days",
        "2",
        "-extfile",
        `${name}.ext`,
      );
    };
    issue(
      "server",
      "/CN=127.0.0.1",
      "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n",
    );
    issue("client", "/CN=rampart-client", "extendedKeyUsage=clientAuth\n");
    const read = (name: string) => readFileSync(join(dir, name), "utf8");
    return {
      ca: read("ca.crt"),
      serverCert: read("server.crt"),
      serverKey: read("server.key"),
      clientCert: read("client.crt"),
      clientKey: read("client.key"),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
