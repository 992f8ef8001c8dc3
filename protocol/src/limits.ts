/** Largest socket.io frame the signaling server accepts; oversized events are refused before parsing. */
export const MAX_SOCKET_MESSAGE_BYTES = 64 * 1024;
/** Largest single event payload (JSON) that reaches a handler. */
export const MAX_EVENT_PAYLOAD_BYTES = 16 * 1024;
/** Join tokens are short-lived; clients refresh them for long lessons. */
export const JOIN_TOKEN_TTL_SECONDS = 2 * 60 * 60;
export const JOIN_TOKEN_AUDIENCE = 'dualclass:join';
export const JOIN_TOKEN_ISSUER = 'dualclass:signaling';
export const JOIN_TOKEN_ALGORITHM = 'HS256';
