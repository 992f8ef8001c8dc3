import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IssuedLibraryTokenSchema, LibraryEntrySchema, WireErrorSchema, type IssueLibraryToken } from '@dualclass/protocol';
import { startStack, type Stack } from '../infra/src/stack.ts';
import { launchChromium } from './support/browser.ts';

/*
 * The resource library in the browser: a master teacher uploads a generated MP4 and a tiny PDF through the
 * library page's upload form, finds the video again by a Chinese substring of its title, opens it and the
 * browser decodes it; a student sees the entry without any download button, and the server refuses a
 * student's download with a typed FORBIDDEN; the studio's recording indicator pauses and resumes.
 * (Recording → HLS playback is the recording e2e's.)
 */

const run = promisify(execFile);

let stack: Stack;
let browser: Browser;
let dir: string;
let mp4: string;
let pdf: string;
/** A real MP4 padded past the stack's upload limit (LIBRARY_MAX_UPLOAD_MB below). */
let oversized: string;

const VIDEO_TITLE = '电磁感应演示实验 第二课时';
const PDF_TITLE = '楞次定律 课堂讲义';

async function issueLibraryToken(input: IssueLibraryToken): Promise<ReturnType<typeof IssuedLibraryTokenSchema.parse>> {
  const res = await fetch(new URL('/api/library/tokens', stack.url), {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.adminApiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(input),
  });
  const body: unknown = await res.json();
  if (!res.ok) throw new Error(`library token: HTTP ${res.status} ${JSON.stringify(body)}`);
  return IssuedLibraryTokenSchema.parse(body);
}

/** A one-page PDF with a correct xref table, small enough to write by hand. */
function tinyPdf(): Buffer {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    '<< /Length 44 >>\nstream\nBT /F1 18 Tf 20 40 Td (Lenz law) Tj ET\nendstream',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out));
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out);
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) out += `${String(o).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'library-e2e-'));
  mp4 = path.join(dir, 'demo.mp4');
  pdf = path.join(dir, 'handout.pdf');
  await run('ffmpeg', ['-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=15', '-t', '3', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-movflags', '+faststart', mp4]);
  await writeFile(pdf, tinyPdf());
  oversized = path.join(dir, 'oversized.mp4');
  await writeFile(oversized, Buffer.concat([await readFile(mp4), Buffer.alloc(1024 * 1024)]));
  stack = await startStack({ serveClient: true, sfuWorkers: 1, env: { LIBRARY_MAX_UPLOAD_MB: '0.5' } });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function openLibrary(linkPath: string, viewport = { width: 1280, height: 800 }): Promise<Page> {
  const page = await browser.newPage({ viewport, acceptDownloads: true });
  page.on('pageerror', (err) => console.error('[library page error]', err));
  await page.goto(new URL(linkPath, stack.url).href);
  return page;
}

async function fillUpload(page: Page, fields: { title: string; file: string; knowledgePoints: string }): Promise<void> {
  const form = page.getByTestId('upload-form');
  if (!(await form.isVisible())) await page.getByText('上传资源', { exact: true }).click();
  await form.getByLabel('标题').fill(fields.title);
  await form.getByLabel('学科').fill('物理');
  await form.getByLabel('年级').fill('九年级');
  await form.getByLabel('教师').fill('王老师');
  await form.getByLabel('学校').fill('市第一中学');
  await form.getByLabel('知识点').fill(fields.knowledgePoints);
  await form.getByLabel('文件').setInputFiles(fields.file);
  await form.getByRole('button', { name: '上传', exact: true }).click();
}

async function upload(page: Page, fields: { title: string; file: string; knowledgePoints: string }): Promise<void> {
  await fillUpload(page, fields);
  const form = page.getByTestId('upload-form');
  // Done, or the form's typed error as the failure message.
  const status = form.getByTestId('upload-status');
  const errors = form.locator('.upload__problems, .action-error');
  await expect
    .poll(
      async () => {
        const done = (await status.textContent()) ?? '';
        const error = (await errors.allTextContents()).join(' ').trim();
        if (error) return `error: ${error}`;
        return done.includes(`“${fields.title}”已上传`) ? 'uploaded' : 'pending';
      },
      { timeout: 30_000 },
    )
    .toBe('uploaded');
}

describe('resource library in the browser', () => {
  let videoEntryId: string;

  it('a master teacher uploads an MP4 and a PDF, finds the video by a Chinese substring and plays it', async () => {
    const master = await issueLibraryToken({ role: 'master_teacher', displayName: '王老师' });
    const page = await openLibrary(master.path);
    // The token left the address bar (it stays in this tab's sessionStorage).
    await expect.poll(() => page.url()).not.toContain('token=');
    await expect.poll(() => page.getByRole('heading', { name: '资源库', level: 1 }).count()).toBe(1);

    // Over the limit: the server's TOO_LARGE, in words, and nothing is added.
    await fillUpload(page, { title: '超大视频', file: oversized, knowledgePoints: '电磁感应' });
    await expect
      .poll(() => page.getByTestId('upload-form').locator('.action-error').textContent(), { timeout: 30_000 })
      .toBe('文件太大，超过了资源库允许的上限。');

    await upload(page, { title: VIDEO_TITLE, file: mp4, knowledgePoints: '电磁感应、楞次定律' });
    await upload(page, { title: PDF_TITLE, file: pdf, knowledgePoints: '楞次定律' });

    // Substring search in Chinese, server side.
    await page.getByRole('searchbox').fill('感应演示');
    await page.getByRole('button', { name: '搜索', exact: true }).click();
    await expect.poll(() => page.url()).toContain(`q=${encodeURIComponent('感应演示')}`);
    const cards = page.getByTestId('library-card');
    await expect.poll(() => cards.count(), { timeout: 15_000 }).toBe(1);
    await expect.poll(() => cards.first().innerText()).toContain(VIDEO_TITLE);

    // The kind filter: 资源 lists uploads, 录课 none here.
    await page.getByRole('searchbox').fill('');
    await page.getByRole('button', { name: '搜索', exact: true }).click();
    await page.getByRole('radio', { name: '资源' }).check();
    await expect.poll(() => cards.count(), { timeout: 15_000 }).toBe(2); // the oversized one was not kept

    await page.getByRole('link', { name: VIDEO_TITLE }).click();
    await expect.poll(() => page.url()).toMatch(/\/library\/[A-Za-z0-9_-]+$/);
    videoEntryId = new URL(page.url()).pathname.split('/').pop() ?? '';
    await expect.poll(() => page.getByRole('heading', { name: VIDEO_TITLE, level: 1 }).count()).toBe(1);

    // An uploaded MP4 plays from a download ticket's URL; the browser really decodes it.
    await page.getByRole('button', { name: '播放视频' }).click();
    const video = page.getByTestId('library-video');
    await video.waitFor({ timeout: 15_000 });
    await expect
      .poll(
        () =>
          video.evaluate((v: HTMLVideoElement) => ({
            time: v.currentTime,
            frames: v.getVideoPlaybackQuality().totalVideoFrames,
            width: v.videoWidth,
          })),
        { timeout: 20_000 },
      )
      .toMatchObject({ width: 320 });
    await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 20_000 }).toBeGreaterThan(0.5);
    expect(await video.evaluate((v: HTMLVideoElement) => v.getVideoPlaybackQuality().totalVideoFrames)).toBeGreaterThan(0);
    // Playing asked for one ticket: one download counted.
    await expect.poll(() => page.getByTestId('download-count').innerText(), { timeout: 10_000 }).toContain('下载 1 次');

    // The PDF: found by its Chinese title, downloaded through a ticket.
    await page.getByRole('link', { name: '返回资源库' }).first().click();
    await page.getByRole('searchbox').fill('课堂讲义');
    await page.getByRole('button', { name: '搜索', exact: true }).click();
    await expect.poll(() => cards.count(), { timeout: 15_000 }).toBe(1);
    await page.getByRole('link', { name: PDF_TITLE }).click();
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 15_000 }), page.getByRole('button', { name: '下载课件' }).click()]);
    expect(download.suggestedFilename()).toMatch(/\.pdf$/);
    await page.screenshot({ path: 'e2e/artifacts/library-entry.png' });
    await page.close();
  });

  it('a student sees the entry but no download button, and the server refuses a student’s download (FORBIDDEN)', async () => {
    expect(videoEntryId).toBeTruthy();
    const student = await issueLibraryToken({ role: 'student', displayName: '小明' });
    const page = await openLibrary(student.path, { width: 390, height: 844 });
    await expect.poll(() => page.getByTestId('library-card').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    expect(await page.getByTestId('upload-form').count()).toBe(0);

    await page.getByRole('link', { name: VIDEO_TITLE }).first().click();
    await expect.poll(() => page.getByRole('heading', { name: VIDEO_TITLE, level: 1 }).count()).toBe(1);
    expect(await page.getByTestId('download-file').count()).toBe(0);
    expect(await page.getByRole('button', { name: '播放视频' }).count()).toBe(0);
    expect(await page.getByText('你的账号不能播放或下载这个视频。').count()).toBe(1);

    // What the UI does not offer, the server refuses anyway, with the typed error.
    const entry = LibraryEntrySchema.parse(
      await (await fetch(new URL(`/api/library/entries/${videoEntryId}`, stack.url), { headers: { authorization: `Bearer ${student.token}` } })).json(),
    );
    expect(entry.comments).toEqual([]);
    const fileId = entry.files[0]?.id ?? '';
    const refused = await fetch(new URL(`/api/library/entries/${videoEntryId}/files/${fileId}/download`, stack.url), {
      method: 'POST',
      headers: { authorization: `Bearer ${student.token}` },
    });
    expect(refused.status).toBe(403);
    const wire = WireErrorSchema.parse(((await refused.json()) as { error?: unknown }).error);
    expect(wire.code).toBe('FORBIDDEN');
    await page.close();
  });
});

describe('studio recording controls', () => {
  it('the master sees 录制中 once live, pauses and resumes the recording', async () => {
    const lesson = await stack.admin.createLesson({ title: '录制控制 测试课', knowledgePoints: ['楞次定律'] });
    const issued = await stack.admin.issueToken(lesson.id, { role: 'master_teacher', displayName: '王老师' });
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('pageerror', (err) => console.error('[studio page error]', err));
    await page.goto(new URL(issued.joinPath, stack.url).href);
    await page.getByRole('button', { name: /开始上课/ }).click({ timeout: 30_000 });
    const state = page.getByTestId('recording-state');
    await expect.poll(() => state.getAttribute('data-phase'), { timeout: 30_000 }).toBe('recording');
    expect(await state.innerText()).toBe('录制中');

    await page.getByRole('button', { name: '暂停录制' }).click();
    await expect.poll(() => state.getAttribute('data-phase'), { timeout: 15_000 }).toBe('paused');
    expect(await state.innerText()).toBe('录制已暂停');
    await page.getByRole('button', { name: '继续录制' }).click();
    await expect.poll(() => state.getAttribute('data-phase'), { timeout: 15_000 }).toBe('recording');
    await page.close();
  });
});
