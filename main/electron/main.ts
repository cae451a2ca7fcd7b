/**
 * Electron main process: thin glue only. It creates the one window with every
 * item of Electron's security checklist, wires each contract operation to its
 * own IPC channel (sender checked, payload validated in dispatch), and forwards
 * service events. All business logic lives in services that also run in plain
 * Node (browser host, CLI, tests).
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, BrowserWindow, ipcMain, safeStorage, session, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { EVENT_CHANNELS, operations, type ApiEventName, type OperationName } from '../../preload/contract/api';
import { err } from '../../preload/contract/result';
import { resolveDataDir } from '../config/data-dir';
import { CONTENT_SECURITY_POLICY } from '../../preload/contract/csp';
import { dispatch } from '../services/api-dispatch';
import { startAppServices, type AppServices } from '../services/app-services';
import { createPinRateLimiter, PIN_OPERATIONS, RATE_LIMITED_MESSAGE } from '../security/rate-limit';
import { createSafeStorageProtector } from './safe-storage-protector';

const RENDERER_INDEX = path.join(__dirname, '..', '..', 'renderer', 'index.html');
const RENDERER_URL = pathToFileURL(RENDERER_INDEX).toString();
const PRELOAD = path.join(__dirname, '..', '..', 'preload', 'preload.bundle.js');

let mainWindow: BrowserWindow | null = null;
let services: AppServices | null = null;

function dataDirFromArgs(argv: readonly string[]): string | undefined {
  const i = argv.indexOf('--data-dir');
  return i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith('--data-dir='))?.slice('--data-dir='.length);
}

/** Only our own window's top frame, showing our own bundled page, may call main. */
function isTrustedSender(event: IpcMainInvokeEvent): boolean {
  const frame = event.senderFrame;
  return (
    mainWindow !== null &&
    event.sender === mainWindow.webContents &&
    frame !== null &&
    frame === event.sender.mainFrame &&
    frame.url.split('#')[0] === RENDERER_URL
  );
}

function lockDownContents(contents: WebContents): void {
  contents.on('will-navigate', (event, url) => {
    if (url !== RENDERER_URL) event.preventDefault();
  });
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 860,
    minWidth: 1024,
    minHeight: 700,
    show: false,
    title: 'Refund Terminal',
    backgroundColor: '#0f172a',
    webPreferences: {
      preload: PRELOAD,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      devTools: !app.isPackaged,
    },
  });
  win.once('ready-to-show', () => win.show());
  void win.loadFile(RENDERER_INDEX);
  return win;
}

function registerIpc(svc: AppServices): void {
  // Per window, in front of the lockout: a compromised renderer cannot keep the PIN hash pool busy.
  const pinLimiter = createPinRateLimiter();
  for (const name of Object.keys(operations) as OperationName[]) {
    ipcMain.handle(operations[name].channel, async (event, payload: unknown) => {
      if (!isTrustedSender(event)) {
        svc.log.warn({ operation: name, url: event.senderFrame?.url }, 'refused IPC from an untrusted sender');
        return err('FORBIDDEN', 'This request did not come from the refund terminal window.');
      }
      if (PIN_OPERATIONS.has(name) && !pinLimiter.take(String(event.sender.id))) return err('RATE_LIMITED', RATE_LIMITED_MESSAGE);
      return dispatch(svc.handlers, name, payload, svc.log, svc.authorize);
    });
  }
  for (const event of Object.keys(EVENT_CHANNELS) as ApiEventName[]) {
    svc.events.on(event, (payload) => mainWindow?.webContents.send(EVENT_CHANNELS[event], payload));
  }
}

async function boot(): Promise<void> {
  app.enableSandbox();
  const gotLock = app.requestSingleInstanceLock();
  if (!gotLock) {
    app.quit();
    return;
  }
  app.on('web-contents-created', (_e, contents) => lockDownContents(contents));
  app.on('second-instance', () => mainWindow?.focus());
  await app.whenReady();

  // No permission (camera, USB, serial, notifications, ...) is ever granted to web content.
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });
  // Remote content is never loaded: anything but our own files is cancelled.
  session.defaultSession.webRequest.onBeforeRequest((details, callback) => {
    const allowed = details.url.startsWith('file://') || details.url.startsWith('devtools://');
    callback({ cancel: !allowed });
  });

  const dataDir = resolveDataDir(dataDirFromArgs(process.argv), process.env);
  services = await startAppServices({
    dataDir,
    hostKind: 'electron',
    keyProtector: createSafeStorageProtector(safeStorage),
    env: process.env,
  });
  registerIpc(services);
  mainWindow = createWindow();
  mainWindow.on('closed', () => {
    mainWindow = null;
  });
  app.on('window-all-closed', () => app.quit());
  app.on('before-quit', () => {
    void services?.close();
  });
}

boot().catch((e: unknown) => {
  console.error('Refund Terminal failed to start:', e instanceof Error ? e.message : e);
  app.exit(1);
});
