import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
/** How to get a Chromium; the tests never install one themselves. */
export const CHROMIUM_HINT = 'install Chromium (Debian/Ubuntu: bash test/support/install-chromium.sh, as root) or set CHROMIUM_PATH to a Chromium or Chrome binary';

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The Chromium to drive: `CHROMIUM_PATH` (and nothing else when it is set), else Debian's or Chrome's. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const wanted = env.CHROMIUM_PATH;
  if (wanted !== undefined && wanted !== '') return executable(wanted) ? wanted : undefined;
  return CANDIDATES.find(executable);
}

/** Whether this is a CI run (`CI` set to anything but empty, `false` or `0`), where a browser test may not be skipped. */
export function isCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const ci = env.CI?.trim().toLowerCase();
  return ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0';
}

/**
 * What the browser tests do here, decided when the test file is collected: run with the Chromium
 * found; skip, with the reason to print, when there is none outside CI; or, in CI, run anyway so
 * that the missing Chromium fails them (CI installs it first, see .ci/run).
 */
export function browserTestPlan(env: NodeJS.ProcessEnv = process.env): { readonly run: true; readonly chromium: string | undefined } | { readonly run: false; readonly reason: string } {
  const chromium = findChromium(env);
  if (chromium !== undefined || isCi(env)) return { run: true, chromium };
  const where = env.CHROMIUM_PATH ? `CHROMIUM_PATH=${env.CHROMIUM_PATH} is not an executable` : `no Chromium at ${CANDIDATES.join(', ')}`;
  return { run: false, reason: `${where}: ${CHROMIUM_HINT} (in CI, CI=true, these tests fail instead of skipping)` };
}

/** The Chromium to drive, or an error that says how to get one. */
export function requireChromium(env: NodeJS.ProcessEnv = process.env): string {
  const found = findChromium(env);
  if (found === undefined) throw new Error(`Chromium not found${env.CHROMIUM_PATH ? ` (CHROMIUM_PATH=${env.CHROMIUM_PATH} is not an executable)` : ''}: ${CHROMIUM_HINT}`);
  return found;
}

interface Message {
  readonly id?: number;
  readonly method?: string;
  readonly sessionId?: string;
  readonly params?: Record<string, unknown>;
  readonly result?: Record<string, unknown>;
  readonly error?: { readonly message: string };
}

/**
 * Headless Chromium driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`: fd 3
 * in, fd 4 out, NUL-terminated JSON), with no library and no port.
 */
export class Chromium {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: Record<string, unknown>) => void; reject: (e: Error) => void }>();
  private readonly waiters: { method: string; sessionId: string | undefined; resolve: (p: Record<string, unknown>) => void }[] = [];
  private stderr = '';

  private constructor(
    private readonly child: ChildProcess,
    private readonly input: Writable,
    private readonly profile: string,
  ) {}

  static async launch(path: string): Promise<Chromium> {
    const profile = await mkdtemp(join(tmpdir(), 'kube-lease-chromium-'));
    // The flags that keep Chromium off this machine's closed network and quiet as root in a container.
    const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage', '--hide-scrollbars', '--remote-debugging-pipe', `--user-data-dir=${profile}`, 'about:blank'];
    const child = spawn(path, args, { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
    const browser = new Chromium(child, child.stdio[3] as Writable, profile);
    child.stderr?.on('data', (chunk: Buffer) => {
      browser.stderr = (browser.stderr + chunk.toString()).slice(-4000);
    });
    let buffered = '';
    (child.stdio[4] as Readable).on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      let end: number;
      while ((end = buffered.indexOf('\0')) >= 0) {
        browser.dispatch(JSON.parse(buffered.slice(0, end)) as Message);
        buffered = buffered.slice(end + 1);
      }
    });
    child.on('exit', (code) => {
      for (const { reject } of browser.pending.values()) reject(new Error(`Chromium exited (${code}): ${browser.stderr}`));
      browser.pending.clear();
    });
    await browser.send('Browser.getVersion');
    return browser;
  }

  private dispatch(message: Message): void {
    if (message.id !== undefined) {
      const call = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.error !== undefined) call?.reject(new Error(message.error.message));
      else call?.resolve(message.result ?? {});
      return;
    }
    const index = this.waiters.findIndex((w) => w.method === message.method && w.sessionId === message.sessionId);
    if (index >= 0) this.waiters.splice(index, 1)[0]?.resolve(message.params ?? {});
  }

  /** Sends one protocol command (to a page when `sessionId` is given) and resolves with its result. */
  send(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.input.write(`${JSON.stringify({ id, method, params, ...(sessionId === undefined ? {} : { sessionId }) })}\0`);
    });
  }

  /** Resolves at the next event `method` of that session. */
  next(method: string, sessionId: string | undefined): Promise<Record<string, unknown>> {
    return new Promise((resolve) => this.waiters.push({ method, sessionId, resolve }));
  }

  /** Opens `url` in a new tab of `width` × `height` CSS pixels and waits for its load event. */
  async open(url: string, width: number, height: number): Promise<Page> {
    const { targetId } = await this.send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await this.send('Target.attachToTarget', { targetId, flatten: true });
    const page = new Page(this, String(sessionId));
    await page.send('Page.enable');
    await page.resize(width, height);
    const loaded = this.next('Page.loadEventFired', page.sessionId);
    const navigation = await page.send('Page.navigate', { url });
    if (typeof navigation.errorText === 'string') throw new Error(`could not open ${url}: ${navigation.errorText}`);
    await loaded;
    return page;
  }

  async close(): Promise<void> {
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    if (this.child.exitCode === null) {
      await this.send('Browser.close').catch(() => undefined);
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    await rm(this.profile, { recursive: true, force: true });
  }
}

/** One tab. */
export class Page {
  constructor(
    private readonly browser: Chromium,
    readonly sessionId: string,
  ) {}

  send(method: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    return this.browser.send(method, params, this.sessionId);
  }

  async resize(width: number, height: number): Promise<void> {
    await this.send('Emulation.setDeviceMetricsOverride', { width, height, deviceScaleFactor: 1, mobile: false });
  }

  /** Evaluates an expression in the page and returns its value (JSON-serialisable). */
  async evaluate<T>(expression: string): Promise<T> {
    const reply = await this.send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true });
    if (reply.exceptionDetails !== undefined) throw new Error(`page threw: ${JSON.stringify(reply.exceptionDetails)}`);
    return (reply.result as { value: T }).value;
  }

  /** Switches the CSS media type (`print` to see the printed layout). */
  async media(media: 'screen' | 'print'): Promise<void> {
    await this.send('Emulation.setEmulatedMedia', { media });
  }

  /** A PNG of the whole page at `width` CSS pixels (the viewport grows to the page's height). */
  async screenshot(width: number): Promise<Buffer> {
    const height = await this.evaluate<number>('Math.ceil(document.documentElement.scrollHeight)');
    await this.resize(width, height);
    const { data } = await this.send('Page.captureScreenshot', { format: 'png' });
    return Buffer.from(String(data), 'base64');
  }
}
