import { execFile } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { CHROMIUM_PATH } from './browser.ts';

const exec = promisify(execFile);
const run = async (cmd: string, args: string[]) => {
  await exec(cmd, args).catch((err: { stderr?: string }) => {
    throw new Error(`${cmd} ${args.join(' ')}: ${err.stderr ?? String(err)}`);
  });
};

/**
 * A classroom's network for tests: a network namespace of our own joined to this host by a veth pair, so a
 * browser started inside it reaches the SFU only across that link. The kernel here has no netem, so (DESIGN §5)
 * bandwidth is capped with tbf on both ends of the veth, random loss and blocking are iptables rules inside the
 * namespace. Everything stays on addresses this test made (10.77.x.y), never the outside network.
 */
export class ImpairedLink {
  private constructor(
    readonly ns: string,
    readonly hostIp: string,
    readonly nsIp: string,
    private readonly hostDev: string,
    private readonly nsDev: string,
    private readonly dir: string,
  ) {}

  static async create(): Promise<ImpairedLink> {
    const id = randomInt(1, 16_000);
    const ns = `dcimp${id}`;
    const hostDev = `dch${id}`;
    const nsDev = `dcn${id}`;
    const base = id * 4; // one /30 per link inside 10.77.0.0/16
    const hostIp = `10.77.${Math.floor(base / 256)}.${(base % 256) + 1}`;
    const nsIp = `10.77.${Math.floor(base / 256)}.${(base % 256) + 2}`;
    await run('ip', ['netns', 'add', ns]);
    const dir = await mkdtemp(path.join(tmpdir(), 'dualclass-link-'));
    const link = new ImpairedLink(ns, hostIp, nsIp, hostDev, nsDev, dir);
    try {
      await run('ip', ['link', 'add', hostDev, 'type', 'veth', 'peer', 'name', nsDev]);
      await run('ip', ['link', 'set', nsDev, 'netns', ns]);
      await run('ip', ['addr', 'add', `${hostIp}/30`, 'dev', hostDev]);
      await run('ip', ['link', 'set', hostDev, 'up']);
      await run('ip', ['netns', 'exec', ns, 'ip', 'addr', 'add', `${nsIp}/30`, 'dev', nsDev]);
      await run('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', nsDev, 'up']);
      await run('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up']);
    } catch (err) {
      await link.destroy();
      throw err;
    }
    return link;
  }

  /** A chromium launcher that runs the browser inside the namespace (pass as launchChromium's executablePath). */
  async chromiumInside(): Promise<string> {
    const script = path.join(this.dir, 'chromium-in-netns.sh');
    await writeFile(script, `#!/bin/sh\nexec ip netns exec ${this.ns} ${CHROMIUM_PATH} "$@"\n`);
    await chmod(script, 0o755);
    return script;
  }

  /** Caps both directions at `kbit` and drops `lossPercent` of packets each way at random. */
  async impair(options: { kbit: number; lossPercent: number }): Promise<void> {
    const tbf = (dev: string) => ['qdisc', 'replace', 'dev', dev, 'root', 'tbf', 'rate', `${options.kbit}kbit`, 'burst', '16kb', 'latency', '100ms'];
    await run('tc', tbf(this.hostDev));
    await run('ip', ['netns', 'exec', this.ns, 'tc', ...tbf(this.nsDev)]);
    const p = String(options.lossPercent / 100);
    for (const chain of ['INPUT', 'OUTPUT']) {
      await run('ip', ['netns', 'exec', this.ns, 'iptables', '-A', chain, '-p', 'udp', '-m', 'statistic', '--mode', 'random', '--probability', p, '-j', 'DROP']);
    }
  }

  /** Drops all media (UDP) both ways; signaling over TCP stays up. */
  async blockMedia(): Promise<void> {
    for (const chain of ['INPUT', 'OUTPUT']) await run('ip', ['netns', 'exec', this.ns, 'iptables', '-I', chain, '-p', 'udp', '-j', 'DROP']);
  }

  async unblockMedia(): Promise<void> {
    for (const chain of ['INPUT', 'OUTPUT']) await run('ip', ['netns', 'exec', this.ns, 'iptables', '-D', chain, '-p', 'udp', '-j', 'DROP']);
  }

  async destroy(): Promise<void> {
    await exec('ip', ['link', 'del', this.hostDev]).catch(() => undefined);
    await exec('ip', ['netns', 'del', this.ns]).catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
  }
}
