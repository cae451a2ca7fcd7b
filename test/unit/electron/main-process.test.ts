/**
 * The Electron glue, with `electron` mocked (its binary does not exist here):
 * every item of the security checklist is asserted on what main.ts actually
 * asks Electron to do.
 */
import { EventEmitter } from 'node:events';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { operations } from '../../../preload/contract/api';

type Handler = (event: unknown, payload: unknown) => Promise<unknown>;

const h = vi.hoisted(() => {
  const state = {
    windows: [] as { options: Record<string, any>; webContents: any; loaded: string | null }[],
    ipcHandlers: new Map<string, Handler>(),
    appEvents: new Map<string, (...args: any[]) => void>(),
    permissionHandler: null as null | ((wc: unknown, permission: string, cb: (granted: boolean) => void) => void),
    headersHandler: null as null | ((details: any, cb: (r: any) => void) => void),
    beforeRequest: null as null | ((details: any, cb: (r: any) => void) => void),
    sandboxEnabled: false,
    dispatched: [] as string[],
  };
  return state;
});

vi.mock('electron', () => {
  class FakeWebContents {
    readonly listeners = new Map<string, (...args: any[]) => void>();
    windowOpenHandler: ((d: unknown) => unknown) | null = null;
    readonly mainFrame = { url: '' };
    on(event: string, fn: (...args: any[]) => void) {
      this.listeners.set(event, fn);
      return this;
    }
    setWindowOpenHandler(fn: (d: unknown) => unknown) {
      this.windowOpenHandler = fn;
    }
    send() {}
  }
  class BrowserWindow {
    readonly webContents = new FakeWebContents();
    constructor(options: Record<string, any>) {
      h.windows.push({ options, webContents: this.webContents, loaded: null });
    }
    once() {}
    on() {}
    focus() {}
    async loadFile(file: string) {
      const w = h.windows.find((x) => x.webContents === this.webContents);
      if (w) w.loaded = file;
      this.webContents.mainFrame.url = `file://${file}`;
    }
  }
  const app = {
    isPackaged: true,
    enableSandbox: () => {
      h.sandboxEnabled = true;
    },
    requestSingleInstanceLock: () => true,
    on: (event: string, fn: (...args: any[]) => void) => h.appEvents.set(event, fn),
    whenReady: () => Promise.resolve(),
    quit: () => {},
    exit: () => {},
  };
  const session = {
    defaultSession: {
      setPermissionRequestHandler: (fn: any) => (h.permissionHandler = fn),
      setPermissionCheckHandler: () => {},
      webRequest: {
        onHeadersReceived: (fn: any) => (h.headersHandler = fn),
        onBeforeRequest: (fn: any) => (h.beforeRequest = fn),
      },
    },
  };
  const ipcMain = { handle: (channel: string, fn: Handler) => h.ipcHandlers.set(channel, fn) };
  const safeStorage = {
    isEncryptionAvailable: () => true,
    encryptString: (s: string) => Buffer.from(s),
    decryptString: (b: Buffer) => b.toString(),
    getSelectedStorageBackend: () => 'gnome_libsecret',
  };
  return { app, BrowserWindow, ipcMain, session, safeStorage, default: { app, BrowserWindow, ipcMain, session, safeStorage } };
});

vi.mock('../../../main/services/app-services', () => ({
  startAppServices: async () => ({
    handlers: new Proxy(
      {},
      {
        get: (_t, name: string) => async () => {
          h.dispatched.push(name);
          return { ok: true, value: null };
        },
      },
    ),
    events: { on: () => () => {} },
    log: { warn: () => {}, error: () => {}, info: () => {} },
    close: async () => {},
  }),
}));

describe('Electron main process', () => {
  beforeAll(async () => {
    await import('../../../main/electron/main');
    await vi.waitFor(() => expect(h.windows.length).toBe(1));
  });

  it('creates one window with contextIsolation, sandbox, no nodeIntegration, webSecurity on', () => {
    const prefs = h.windows[0]?.options.webPreferences;
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      devTools: false,
    });
    expect(String(prefs.preload)).toMatch(/preload\.bundle\.js$/);
    expect(h.sandboxEnabled).toBe(true);
    expect(h.windows[0]?.loaded).toMatch(/renderer[/\\]index\.html$/);
  });

  it('registers exactly one IPC channel per contract operation', () => {
    expect([...h.ipcHandlers.keys()].sort()).toEqual(
      Object.values(operations)
        .map((o) => o.channel)
        .sort(),
    );
  });

  it('refuses IPC from any sender but its own window top frame on its own page', async () => {
    const win = h.windows[0]!;
    const handler = h.ipcHandlers.get(operations.getAppInfo.channel)!;
    const good = { sender: win.webContents, senderFrame: win.webContents.mainFrame };
    await expect(handler(good, {})).resolves.toMatchObject({ ok: true });
    const otherContents = { mainFrame: { url: win.webContents.mainFrame.url } };
    await expect(handler({ sender: otherContents, senderFrame: otherContents.mainFrame }, {})).resolves.toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
    const subFrame = { url: win.webContents.mainFrame.url };
    await expect(handler({ sender: win.webContents, senderFrame: subFrame }, {})).resolves.toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const navigated = { sender: win.webContents, senderFrame: win.webContents.mainFrame };
    const saved = win.webContents.mainFrame.url;
    win.webContents.mainFrame.url = 'https://evil.example/';
    await expect(handler(navigated, {})).resolves.toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    win.webContents.mainFrame.url = saved;
  });

  it('validates payloads before any handler runs', async () => {
    const win = h.windows[0]!;
    const before = h.dispatched.length;
    const handler = h.ipcHandlers.get(operations.submitRefund.channel)!;
    const r = await handler({ sender: win.webContents, senderFrame: win.webContents.mainFrame }, { paymentId: 12 });
    expect(r).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
    expect(h.dispatched.length).toBe(before);
  });

  it('rate limits PIN-bearing calls per window in front of the lockout', async () => {
    const win = h.windows[0]!;
    const handler = h.ipcHandlers.get(operations.signIn.channel)!;
    const codes: string[] = [];
    for (let i = 0; i < 30; i++) {
      const r = (await handler({ sender: win.webContents, senderFrame: win.webContents.mainFrame }, { userName: 'ghost', pin: '9182' })) as {
        ok: boolean;
        error?: { code: string };
      };
      codes.push(r.ok ? 'OK' : (r.error?.code ?? '?'));
    }
    expect(codes.filter((c) => c === 'RATE_LIMITED').length).toBeGreaterThanOrEqual(10);
    // Operations without a PIN are not limited.
    await expect(
      h.ipcHandlers.get(operations.getAppInfo.channel)!({ sender: win.webContents, senderFrame: win.webContents.mainFrame }, {}),
    ).resolves.toMatchObject({ ok: true });
  });

  it('locks navigation, redirects, webviews and new windows on every web contents', () => {
    const created = h.appEvents.get('web-contents-created')!;
    const contents = new (class {
      listeners = new Map<string, (...a: any[]) => void>();
      openHandler: ((d: unknown) => unknown) | null = null;
      on(e: string, fn: (...a: any[]) => void) {
        this.listeners.set(e, fn);
      }
      setWindowOpenHandler(fn: (d: unknown) => unknown) {
        this.openHandler = fn;
      }
    })();
    created({}, contents);
    const prevented = (event: string, ...args: unknown[]) => {
      let p = false;
      contents.listeners.get(event)!({ preventDefault: () => (p = true) }, ...args);
      return p;
    };
    expect(prevented('will-navigate', 'https://evil.example/')).toBe(true);
    expect(prevented('will-navigate', 'file:///etc/passwd')).toBe(true);
    expect(prevented('will-redirect', 'https://evil.example/')).toBe(true);
    expect(prevented('will-attach-webview')).toBe(true);
    expect(contents.openHandler!({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
  });

  it('grants no permission, sets the CSP header and cancels remote requests', () => {
    let granted: boolean | null = null;
    h.permissionHandler!({}, 'media', (g) => (granted = g));
    expect(granted).toBe(false);
    let headers: any = null;
    h.headersHandler!({ responseHeaders: {} }, (r) => (headers = r.responseHeaders));
    expect(headers['Content-Security-Policy'][0]).toContain("default-src 'none'");
    const cancelled = (url: string) => {
      let c: boolean | null = null;
      h.beforeRequest!({ url }, (r) => (c = r.cancel));
      return c;
    };
    expect(cancelled('https://cdn.example/x.js')).toBe(true);
    expect(cancelled('http://127.0.0.1:9/')).toBe(true);
    expect(cancelled('file:///app/renderer/index.html')).toBe(false);
  });
});

void EventEmitter;
