import type { e2ee } from "@videocall/client";

type IdentityKeyPair = e2ee.IdentityKeyPair;

const DATABASE = "videocall-e2ee";
const STORE = "identity";
const KEY = "self";

/**
 * This browser's E2EE identity, kept in IndexedDB so peers see the same safety number from one
 * call to the next (docs/e2ee.md). The private keys are non-extractable CryptoKeys, which IndexedDB
 * stores as they are: the page can use them but never read them. Undefined when IndexedDB is not
 * usable (a private window, say): the session then makes a fresh identity.
 */
export async function loadOrCreateIdentity(
  generate: () => Promise<IdentityKeyPair>,
): Promise<IdentityKeyPair | undefined> {
  try {
    const db = await open();
    try {
      const stored = await request<IdentityKeyPair | undefined>(
        db.transaction(STORE).objectStore(STORE).get(KEY),
      );
      if (stored?.publicKey?.bytes instanceof Uint8Array && stored.p256PrivateKey) return stored;
      const identity = await generate();
      await request(db.transaction(STORE, "readwrite").objectStore(STORE).put(identity, KEY));
      return identity;
    } finally {
      db.close();
    }
  } catch {
    return undefined;
  }
}

function open(): Promise<IDBDatabase> {
  const opening = indexedDB.open(DATABASE, 1);
  opening.onupgradeneeded = () => opening.result.createObjectStore(STORE);
  return request(opening);
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}
