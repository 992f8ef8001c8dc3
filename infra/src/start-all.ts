import { existsSync } from 'node:fs';
import path from 'node:path';
import { createDemoLesson } from './demo-lesson.ts';
import { REPO_ROOT, startStack } from './stack.ts';

/*
 * `npm start`: the whole system on embedded defaults (in-memory live state, embedded Postgres and library files
 * under ./data, the recorder on), plus a live demo lesson fed by ffmpeg so a newcomer sees video without a camera.
 */
const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '127.0.0.1';
if (!existsSync(path.join(REPO_ROOT, 'classroom-client/dist/index.html'))) {
  console.error('classroom-client/dist is missing: run `npm run setup` (or `npm run demo`) first.');
  process.exit(1);
}

const stack = await startStack({
  port,
  host,
  sfuRpcPort: Number(process.env.SFU_RPC_PORT ?? 4100),
  serveClient: true,
  logLevel: process.env.LOG_LEVEL ?? 'info',
  echoLogs: process.env.ECHO_LOGS === '1',
  dataDir: path.resolve(process.env.DATA_DIR ?? path.join(REPO_ROOT, 'data')),
  env: process.env,
});
const demo = await createDemoLesson(stack.admin);
demo.feed.stderr?.on('data', (chunk: Buffer) => process.stderr.write(`[studio-feed] ${chunk}`));

const publicUrl = process.env.PUBLIC_URL ?? stack.url;
const roles: [string, string][] = [
  ['主讲教室 Studio (master teacher)', demo.links.master_teacher],
  ['远端教室 Remote classroom (big screen)', demo.links.classroom_device],
  ['辅导教师 Local teacher', demo.links.local_teacher],
  ['学生 Student', demo.links.student],
  ['观察员 Observer', demo.links.observer],
  ['管理员 Admin', demo.links.admin],
];
console.log(`\n双师课堂 is running — demo lesson “${demo.lesson.title}” is live.\n`);
for (const [name, link] of roles) console.log(`  ${name}:\n    ${new URL(link, publicUrl).href}\n`);
const library = await stack.admin.issueLibraryToken({ role: 'admin', displayName: '管理员', ttlSeconds: 7 * 24 * 3600 });
console.log(`  资源库 Resource library (recordings appear here after class):\n    ${new URL(library.path, publicUrl).href}\n`);
console.log(`  Admin API key (Authorization: Bearer …): ${stack.adminApiKey}`);
console.log('  Press Ctrl+C to stop.\n');

const shutdown = async () => {
  demo.feed.kill('SIGTERM');
  await stack.stop();
  process.exit(0);
};
process.once('SIGINT', () => void shutdown());
process.once('SIGTERM', () => void shutdown());
