import { createHash, timingSafeEqual } from 'node:crypto';

// Hashing first gives equal-length inputs, which timingSafeEqual requires, without leaking the secret's length.
const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** A constant-time comparison against one configured secret (RPC secrets, the admin key, the metrics token). */
export function secretMatcher(secret: string): (candidate: string) => boolean {
  const expected = digest(secret);
  return (candidate) => timingSafeEqual(digest(candidate), expected);
}
