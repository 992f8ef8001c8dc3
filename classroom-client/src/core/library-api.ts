import {
  ClassroomError,
  DownloadTicketSchema,
  LibraryEntrySchema,
  LibraryFacetsSchema,
  LibrarySearchResultSchema,
  WireErrorSchema,
  type DownloadTicket,
  type ErrorCode,
  type LibraryEntry,
  type LibraryFacets,
  type LibrarySearchResult,
  type LibraryTags,
} from '@dualclass/protocol';
import type { z } from 'zod';
import { buildSearchParams, DEFAULT_PAGE_SIZE, type LibraryQuery } from './library.ts';

/**
 * The resource library's REST API (`/api/library`), with the library token as a bearer on every call.
 * Responses are checked against the contract's schemas; failures are ClassroomErrors with the server's
 * code (TOO_LARGE, FORBIDDEN…), or UNAVAILABLE when the server cannot be reached.
 */

const STATUS_CODES: Record<number, ErrorCode> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'TOO_LARGE',
  429: 'RATE_LIMITED',
  502: 'UNAVAILABLE',
  503: 'UNAVAILABLE',
  504: 'TIMEOUT',
};

/** The error for a failed response: the server's wire error when the body has one, else one from the status. */
export function errorFromResponse(status: number, body: unknown, retryAfterHeader?: string | null): ClassroomError {
  const wire = WireErrorSchema.safeParse((body as { error?: unknown } | null)?.error);
  if (wire.success) return ClassroomError.fromWire(wire.data);
  const code = STATUS_CODES[status] ?? (status >= 500 ? 'INTERNAL' : 'BAD_REQUEST');
  const retryAfter = retryAfterHeader ? Number(retryAfterHeader) : NaN;
  return new ClassroomError(code, `HTTP ${status}`, Number.isFinite(retryAfter) ? { retryAfter } : {});
}

export interface UploadProgress {
  loaded: number;
  total: number;
}

export class LibraryApi {
  constructor(
    readonly token: string,
    readonly baseUrl: string = globalThis.location?.origin ?? 'http://127.0.0.1:3000',
  ) {}

  get authorization(): string {
    return `Bearer ${this.token}`;
  }

  url(path: string): string {
    return new URL(path, this.baseUrl).href;
  }

  async #fetch(path: string, init: RequestInit = {}): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(this.url(path), {
        ...init,
        headers: { authorization: this.authorization, ...(init.headers as Record<string, string> | undefined) },
        cache: 'no-store',
      });
    } catch (err) {
      if ((err as { name?: string } | null)?.name === 'AbortError') throw err;
      throw new ClassroomError('UNAVAILABLE', 'cannot reach the library');
    }
    if (!res.ok) {
      const body: unknown = await res.json().catch(() => null);
      throw errorFromResponse(res.status, body, res.headers.get('retry-after'));
    }
    return res;
  }

  async #json<T extends z.ZodType>(path: string, schema: T, init?: RequestInit): Promise<z.infer<T>> {
    const res = await this.#fetch(path, init);
    const parsed = schema.safeParse(await res.json().catch(() => undefined));
    if (!parsed.success) {
      console.warn('[library] malformed response', path, parsed.error.issues.slice(0, 5));
      throw new ClassroomError('INTERNAL', 'malformed response');
    }
    return parsed.data;
  }

  search(query: LibraryQuery, options: { pageSize?: number; signal?: AbortSignal } = {}): Promise<LibrarySearchResult> {
    const params = buildSearchParams(query, options.pageSize ?? DEFAULT_PAGE_SIZE);
    return this.#json(`/api/library/entries?${params}`, LibrarySearchResultSchema, { signal: options.signal ?? null });
  }

  facets(signal?: AbortSignal): Promise<LibraryFacets> {
    return this.#json('/api/library/facets', LibraryFacetsSchema, { signal: signal ?? null });
  }

  entry(id: string, signal?: AbortSignal): Promise<LibraryEntry> {
    return this.#json(`/api/library/entries/${encodeURIComponent(id)}`, LibraryEntrySchema, { signal: signal ?? null });
  }

  /** The entry's thumbnail as a blob (the caller makes and revokes the object URL). */
  async thumbnail(id: string, signal?: AbortSignal): Promise<Blob> {
    const res = await this.#fetch(`/api/library/entries/${encodeURIComponent(id)}/thumbnail`, { signal: signal ?? null });
    return res.blob();
  }

  /** A short-lived link to one file; asking for it counts a download. Students get FORBIDDEN. */
  downloadTicket(entryId: string, fileId: string): Promise<DownloadTicket> {
    return this.#json(
      `/api/library/entries/${encodeURIComponent(entryId)}/files/${encodeURIComponent(fileId)}/download`,
      DownloadTicketSchema,
      { method: 'POST' },
    );
  }

  /**
   * Uploads a PDF, PPTX or MP4 with its tags (multipart: `metadata` JSON, then `file`). XMLHttpRequest rather
   * than fetch, for upload progress; `signal` aborts it.
   */
  upload(tags: LibraryTags, file: Blob & { name?: string }, options: { onProgress?: (p: UploadProgress) => void; signal?: AbortSignal } = {}): Promise<LibraryEntry> {
    const form = new FormData();
    form.append('metadata', JSON.stringify(tags));
    form.append('file', file, file.name ?? 'upload');
    return new Promise<LibraryEntry>((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', this.url('/api/library/uploads'));
      xhr.setRequestHeader('authorization', this.authorization);
      xhr.responseType = 'text';
      xhr.upload.onprogress = (e) => options.onProgress?.({ loaded: e.loaded, total: e.lengthComputable ? e.total : file.size });
      xhr.onerror = () => reject(new ClassroomError('UNAVAILABLE', 'upload failed: network error'));
      xhr.onabort = () => reject(new DOMException('upload aborted', 'AbortError'));
      xhr.onload = () => {
        let body: unknown = null;
        try {
          body = JSON.parse(xhr.responseText);
        } catch {
          body = null;
        }
        if (xhr.status < 200 || xhr.status >= 300) return reject(errorFromResponse(xhr.status, body, xhr.getResponseHeader('retry-after')));
        const parsed = LibraryEntrySchema.safeParse(body);
        if (!parsed.success) return reject(new ClassroomError('INTERNAL', 'malformed response'));
        resolve(parsed.data);
      };
      options.signal?.addEventListener('abort', () => xhr.abort(), { once: true });
      xhr.send(form);
    });
  }
}
