import { describe, expect, it } from 'vitest';
import { likeEscape, sanitizeFileName } from './library-service.ts';

describe('sanitizeFileName', () => {
  it('keeps Chinese names and makes sure of the extension', () => {
    expect(sanitizeFileName('电磁感应 讲义.pdf', 'pdf')).toBe('电磁感应 讲义.pdf');
    expect(sanitizeFileName('电磁感应 讲义', 'pdf')).toBe('电磁感应 讲义.pdf');
    expect(sanitizeFileName('课件.PDF', 'pdf')).toBe('课件.pdf');
    expect(sanitizeFileName('第三章.pptx', 'pptx')).toBe('第三章.pptx');
  });

  it('drops paths, control, bidi and reserved characters, and never returns an empty or dot name', () => {
    expect(sanitizeFileName('../../etc/passwd', 'pdf')).toBe('passwd.pdf');
    expect(sanitizeFileName('C:\\Users\\王\\讲义.pdf', 'pdf')).toBe('讲义.pdf');
    expect(sanitizeFileName('a\u0000b\r\nc.pdf', 'pdf')).toBe('a_b__c.pdf');
    expect(sanitizeFileName('evil\u202Efdp.exe', 'pdf')).toBe('evil_fdp.exe.pdf');
    expect(sanitizeFileName('a<b>:"|?*.pdf', 'pdf')).toBe('a_b______.pdf');
    expect(sanitizeFileName('...', 'pdf')).toBe('file.pdf');
    expect(sanitizeFileName(undefined, 'mp4')).toBe('file.mp4');
    expect(sanitizeFileName('  ', 'mp4')).toBe('file.mp4');
    expect(Array.from(sanitizeFileName('长'.repeat(500), 'pdf')).length).toBe(124);
  });
});

describe('likeEscape', () => {
  it('escapes LIKE wildcards and the escape character', () => {
    expect(likeEscape('100%_满分\\')).toBe('100\\%\\_满分\\\\');
    expect(likeEscape('电磁感应')).toBe('电磁感应');
  });
});
