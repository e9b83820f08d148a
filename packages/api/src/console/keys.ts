import type { webcrypto } from 'node:crypto';

type CryptoKey = webcrypto.CryptoKey;

/**
 * The console's two keys, derived once from one secret (HKDF-SHA-256, a label each): an AES-256-GCM key that seals
 * the session cookie, and an HMAC key for CSRF tokens. Neither key can be learnt from the other.
 */
export interface ConsoleKeys {
  seal: CryptoKey;
  csrf: CryptoKey;
}

const encoder = new TextEncoder();

async function derive(secret: string, label: string, usage: 'seal' | 'csrf'): Promise<CryptoKey> {
  const material = await crypto.subtle.importKey('raw', encoder.encode(secret), 'HKDF', false, ['deriveKey']);
  const params = {
    name: 'HKDF',
    hash: 'SHA-256',
    salt: encoder.encode('contact-center console'),
    info: encoder.encode(label),
  };
  return usage === 'seal'
    ? crypto.subtle.deriveKey(params, material, { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt'])
    : crypto.subtle.deriveKey(params, material, { name: 'HMAC', hash: 'SHA-256', length: 256 }, false, ['sign']);
}

export async function consoleKeys(secret: string): Promise<ConsoleKeys> {
  const [seal, csrf] = await Promise.all([derive(secret, 'session-seal', 'seal'), derive(secret, 'csrf', 'csrf')]);
  return { seal, csrf };
}

export const toBase64Url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
export const fromBase64Url = (text: string) => new Uint8Array(Buffer.from(text, 'base64url'));
export const randomToken = (bytes = 32) => toBase64Url(crypto.getRandomValues(new Uint8Array(bytes)));

/** Encrypts and authenticates `value` for the cookie `name` (the name is bound in as associated data). */
export async function seal(key: CryptoKey, name: string, value: unknown): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const plain = encoder.encode(JSON.stringify(value));
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: encoder.encode(name) }, key, plain),
  );
  const out = new Uint8Array(iv.length + sealed.length);
  out.set(iv);
  out.set(sealed, iv.length);
  return toBase64Url(out);
}

/** The sealed value, or undefined for anything forged, altered, meant for another cookie, or malformed. */
export async function unseal(key: CryptoKey, name: string, text: string): Promise<unknown> {
  try {
    const bytes = fromBase64Url(text);
    if (bytes.length < 12 + 16) return undefined;
    const plain = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: bytes.slice(0, 12), additionalData: encoder.encode(name) },
      key,
      bytes.slice(12),
    );
    return JSON.parse(new TextDecoder().decode(plain));
  } catch {
    return undefined;
  }
}

/** HMAC-SHA-256 of `message`, base64url. */
export async function mac(key: CryptoKey, message: string): Promise<string> {
  return toBase64Url(new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(message))));
}
