import { randomBytes } from 'node:crypto';

/** Opaque, unguessable ids (base64url, 16 bytes of entropy) with a short prefix that says what they name. */
export function newId(prefix: 'les' | 'cls' | 'par' | 'evt' | 'quiz' | 'msg' | 'cmt' | 'ent' | 'fil' | 'usr' | 'whp'): string {
  return `${prefix}_${randomBytes(16).toString('base64url')}`;
}
