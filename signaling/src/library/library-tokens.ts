import { z } from 'zod';
import { IdSchema, LibraryTokenClaimsSchema, type LibraryTokenClaims } from '@dualclass/protocol';
import { SignedTokens, type SignedToken } from '../auth/signed-tokens.ts';

/** Audience of library tokens (people browsing the library outside a live lesson). */
export const LIBRARY_TOKEN_AUDIENCE = 'dualclass-library';
/** Audience of download tickets: a different audience, so a ticket is never a library token and back. */
export const DOWNLOAD_TICKET_AUDIENCE = 'dualclass-library-download';
export const LIBRARY_TOKEN_TTL_SECONDS = 7 * 24 * 3600;
export const DOWNLOAD_TICKET_TTL_SECONDS = 5 * 60;

const DownloadTicketClaimsSchema = z.object({ sub: IdSchema, entryId: IdSchema });
/** `sub` is the file id; the entry it belongs to rides along so both are checked again on use. */
export type DownloadTicketClaims = z.infer<typeof DownloadTicketClaimsSchema>;

/** Library tokens and download tickets, signed with the same key as join tokens (JWT_SECRET). */
export class LibraryTokens {
  readonly #access: SignedTokens<LibraryTokenClaims>;
  readonly #tickets: SignedTokens<DownloadTicketClaims>;

  constructor(secret: string) {
    this.#access = new SignedTokens(secret, { audience: LIBRARY_TOKEN_AUDIENCE, schema: LibraryTokenClaimsSchema, what: 'library token' });
    this.#tickets = new SignedTokens(secret, { audience: DOWNLOAD_TICKET_AUDIENCE, schema: DownloadTicketClaimsSchema, what: 'download ticket' });
  }

  issue(claims: LibraryTokenClaims, ttlSeconds = LIBRARY_TOKEN_TTL_SECONDS): Promise<SignedToken> {
    return this.#access.sign(claims, ttlSeconds);
  }

  verify(token: string): Promise<LibraryTokenClaims & { exp: number }> {
    return this.#access.verify(token);
  }

  ticket(claims: DownloadTicketClaims, ttlSeconds = DOWNLOAD_TICKET_TTL_SECONDS): Promise<SignedToken> {
    return this.#tickets.sign(claims, ttlSeconds);
  }

  verifyTicket(ticket: string): Promise<DownloadTicketClaims & { exp: number }> {
    return this.#tickets.verify(ticket);
  }
}
