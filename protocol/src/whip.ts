import { z } from 'zod';
import { IdSchema, textField } from './domain.ts';
import { CreateIngestSchema } from './rest.ts';

/*
 * WHIP ingest (RFC 9725): a studio encoder (OBS 30+, a browser) publishes a camera angle with one HTTP POST of
 * an SDP offer to `/api/lessons/:lessonId/whip`, authorized by a WHIP ingest token the admin API issues.
 */

/** Audience of WHIP ingest tokens: neither a join token nor a library token is one, and back. */
export const WHIP_TOKEN_AUDIENCE = 'dualclass:whip';
export const WHIP_TOKEN_TTL_SECONDS = 24 * 3600;
/** A studio encoder keeps its token in its settings for a term at most. */
export const WHIP_TOKEN_MAX_TTL_SECONDS = 120 * 24 * 3600;

export const IssueWhipTokenSchema = z
  .object({
    /** The angle's name as viewers see it, e.g. "实验台". */
    label: textField(40),
    source: CreateIngestSchema.shape.source,
    ttlSeconds: z.number().int().min(60).max(WHIP_TOKEN_MAX_TTL_SECONDS).optional(),
  })
  .strict();
export type IssueWhipToken = z.input<typeof IssueWhipTokenSchema>;

export const IssuedWhipTokenSchema = z.object({
  token: z.string(),
  /** The WHIP endpoint (OBS: Settings → Stream → Server); the token goes in Bearer Token. */
  url: z.string(),
  expiresAt: z.iso.datetime(),
});
export type IssuedWhipToken = z.infer<typeof IssuedWhipTokenSchema>;

export const WhipTokenClaimsSchema = z.object({
  /** The token's own id: one live WHIP resource per token (a reconnecting encoder replaces its last session). */
  sub: IdSchema,
  lessonId: IdSchema,
  label: textField(40),
  source: z.enum(['camera', 'document', 'screen']),
});
export type WhipTokenClaims = z.infer<typeof WhipTokenClaimsSchema>;
