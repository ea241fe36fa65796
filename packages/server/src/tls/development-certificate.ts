// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata polyfill.
import "reflect-metadata";
import * as x509 from "@peculiar/x509";

/**
 * Chromium accepts a self-signed certificate for WebTransport through `serverCertificateHashes`
 * only when it is ECDSA P-256 and valid for at most 14 days (verified on this platform: 30 days
 * or RSA fail with QUIC_TLS_CERTIFICATE_UNKNOWN). We issue 10 days and renew 2 days before expiry.
 */
export const DEV_CERTIFICATE_VALIDITY_DAYS = 10;
export const DEV_CERTIFICATE_RENEW_BEFORE_DAYS = 2;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface Certificate {
  certPem: string;
  keyPem: string;
  /** SHA-256 of the DER certificate: what the browser pins with `serverCertificateHashes`. */
  sha256: Uint8Array<ArrayBuffer>;
  notAfter: Date;
}

export async function createDevelopmentCertificate(
  hostnames: string[],
  now = new Date(),
): Promise<Certificate> {
  const algorithm = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
  const keys = await crypto.subtle.generateKey(algorithm, true, ["sign", "verify"]);
  const notBefore = new Date(now.getTime() - 60_000); // tolerate a little clock skew
  const notAfter = new Date(now.getTime() + DEV_CERTIFICATE_VALIDITY_DAYS * DAY_MS);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: toHex(crypto.getRandomValues(new Uint8Array(8))),
    name: "CN=videocall development",
    notBefore,
    notAfter,
    keys,
    signingAlgorithm: algorithm,
    extensions: [
      new x509.SubjectAlternativeNameExtension(
        hostnames.map((host) =>
          /^[\d.:]+$/.test(host)
            ? { type: "ip" as const, value: host }
            : { type: "dns" as const, value: host },
        ),
      ),
      new x509.BasicConstraintsExtension(false),
    ],
  });
  const pkcs8 = await crypto.subtle.exportKey("pkcs8", keys.privateKey);
  return {
    certPem: cert.toString("pem"),
    keyPem: x509.PemConverter.encode(pkcs8, "PRIVATE KEY"),
    sha256: new Uint8Array(await crypto.subtle.digest("SHA-256", cert.rawData)),
    notAfter,
  };
}

/** Loads a production certificate and key (PEM files); the errors say which file and why. */
export async function loadCertificate(certPath: string, keyPath: string): Promise<Certificate> {
  const read = async (path: string, what: string) => {
    try {
      return await Deno.readTextFile(path);
    } catch (error) {
      throw new Error(`cannot read the TLS ${what} file ${path}: ${(error as Error).message}`);
    }
  };
  const certPem = await read(certPath, "certificate");
  const keyPem = await read(keyPath, "key");
  let cert: x509.X509Certificate;
  try {
    cert = new x509.X509Certificate(certPem);
  } catch (error) {
    throw new Error(`${certPath} is not a PEM certificate: ${(error as Error).message}`);
  }
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(keyPem)) {
    throw new Error(`${keyPath} is not a PEM private key`);
  }
  if (cert.notAfter.getTime() < Date.now()) {
    throw new Error(`the certificate in ${certPath} expired on ${cert.notAfter.toISOString()}`);
  }
  return {
    certPem,
    keyPem,
    sha256: new Uint8Array(await crypto.subtle.digest("SHA-256", cert.rawData)),
    notAfter: cert.notAfter,
  };
}

function toHex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}
