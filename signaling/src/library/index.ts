export { LibraryService, sanitizeFileName, likeEscape, type LibraryPrincipal, type StoredLibraryFile, type UploadTarget } from './library-service.ts';
export { LibraryTokens, LIBRARY_TOKEN_AUDIENCE, DOWNLOAD_TICKET_AUDIENCE, LIBRARY_TOKEN_TTL_SECONDS, DOWNLOAD_TICKET_TTL_SECONDS } from './library-tokens.ts';
export { libraryApi, type LibraryApiDeps } from './library-api.ts';
