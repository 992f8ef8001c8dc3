import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { isClassroomError, type UploadContentType } from '@dualclass/protocol';
import { MAGIC_MISMATCH, UploadInspector } from './uploads.ts';

async function inspect(type: UploadContentType, chunks: Buffer[]) {
  const inspector = new UploadInspector(type);
  const out = pipeline(Readable.from(chunks), inspector, async (source) => buffer(source as AsyncIterable<Buffer>));
  return { out: await out, sha256: inspector.sha256 };
}

const PPTX = 'application/vnd.openxmlformats-officedocument.presentationml.presentation';

describe('UploadInspector', () => {
  it('passes a PDF, pptx and mp4 through byte for byte and hashes them, even when the signature is split across chunks', async () => {
    const cases: [UploadContentType, Buffer][] = [
      ['application/pdf', Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(10_000)])],
      [PPTX, Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), randomBytes(10_000)])],
      ['video/mp4', Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypmp42'), randomBytes(10_000)])],
    ];
    for (const [type, data] of cases) {
      const chunks = [data.subarray(0, 1), data.subarray(1, 3), data.subarray(3, 6), data.subarray(6)];
      const { out, sha256 } = await inspect(type, chunks);
      expect(out.equals(data), type).toBe(true);
      expect(sha256).toBe(createHash('sha256').update(data).digest('hex'));
    }
  });

  it('refuses leading bytes of another type, and files too short to tell', async () => {
    const refusals: [UploadContentType, Buffer][] = [
      ['application/pdf', Buffer.from('PK\x03\x04 a zip, not a pdf')],
      ['application/pdf', Buffer.from('%PD')],
      [PPTX, Buffer.from('%PDF-1.7 not a zip')],
      ['video/mp4', Buffer.from('\x00\x00\x00\x18moovxxxxxxxx')],
      ['video/mp4', Buffer.from('')],
    ];
    for (const [type, data] of refusals) {
      const err = await inspect(type, data.length ? [data] : []).catch((e: unknown) => e);
      expect(isClassroomError(err, 'BAD_REQUEST'), `${type} ${JSON.stringify(data.toString('latin1'))}`).toBe(true);
      expect((err as Error).message).toBe(MAGIC_MISMATCH);
    }
  });
});
