/**
 * The Electron main process: one window on the renderer bundle, served from app://workbench/ with a strict
 * CSP; contextIsolation and sandbox on, no Node in the page, no navigation away, no new windows, no
 * permissions but the clipboard, no request leaves the app's own scheme. The engine runs here, in-process
 * (the embedded sandbox included), behind the typed contract (ipc.ts).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { app, BrowserWindow, ipcMain, nativeTheme, protocol, session, type WebContents } from 'electron';
import { contentSecurityPolicy } from '../../core/host/csp';
import { createEngineHost, type EngineHost } from '../../core/host/host';
import {
  APP_ENTRY,
  APP_SCHEME,
  contentTypeOf,
  isAllowedPermission,
  isAllowedRequest,
  isAppUrl,
  resolveAppFile,
} from './app-protocol';
import { registerContractIpc } from './ipc';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const here = path.dirname(fileURLToPath(import.meta.url));
/** out/main -> the app root (the repo in development, resources/app when packaged). */
const appRoot = path.resolve(here, '..', '..');
const rendererDir = path.join(appRoot, 'out', 'renderer');
const preloadFile = path.join(appRoot, 'out', 'preload', 'index.cjs');
const devtools = !app.isPackaged || process.env.FWB_DEVTOOLS === '1';

protocol.registerSchemesAsPrivileged([
  {
    scheme: APP_SCHEME,
    privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true },
  },
]);

function lockDown(contents: WebContents): void {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

async function serveApp(request: Request): Promise<Response> {
  const file = resolveAppFile(request.url, rendererDir);
  if (!file) return new Response('not found', { status: 404 });
  try {
    const body = await readFile(file);
    return new Response(body, {
      headers: {
        'Content-Type': contentTypeOf(file),
        'Content-Security-Policy': contentSecurityPolicy(),
        'X-Content-Type-Options': 'nosniff',
      },
    });
  } catch {
    return new Response('not found', { status: 404 });
  }
}

function createWindow(): BrowserWindow {
  const window = new BrowserWindow({
    width: 1400,
    height: 900,
    minWidth: 900,
    minHeight: 560,
    show: false,
    title: 'Feature Workbench',
    backgroundColor: nativeTheme.shouldUseDarkColors ? '#1b1e24' : '#ffffff',
    webPreferences: {
      preload: preloadFile,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      devTools: devtools,
    },
  });
  window.once('ready-to-show', () => window.show());
  void window.loadURL(APP_ENTRY);
  return window;
}

let host: EngineHost | undefined;

async function main(): Promise<void> {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  app.on('web-contents-created', (_event, contents) => lockDown(contents));
  await app.whenReady();

  const defaultSession = session.defaultSession;
  defaultSession.setPermissionRequestHandler((_contents, permission, callback) =>
    callback(isAllowedPermission(permission)),
  );
  defaultSession.setPermissionCheckHandler((_contents, permission) => isAllowedPermission(permission));
  defaultSession.webRequest.onBeforeRequest((details, callback) =>
    callback({ cancel: !isAllowedRequest(details.url, devtools) }),
  );
  protocol.handle(APP_SCHEME, serveApp);

  const userData = app.getPath('userData');
  host = createEngineHost({
    demoSourceDir: path.join(appRoot, 'assets', 'demo'),
    demoDir: path.join(userData, 'demo'),
    imageCacheDir: path.join(userData, 'sandbox-image'),
    workerUrl: pathToFileURL(path.join(here, 'sandbox-worker.js')),
    ...(process.env.FWB_REPO ? { repoDir: process.env.FWB_REPO } : {}),
    log: (line) => {
      if (process.env.FWB_HOST_LOG) console.error(line);
    },
  });
  registerContractIpc(ipcMain, host.dispatcher, {
    isTrusted: (event) => {
      const frame = event.senderFrame;
      return frame !== null && frame !== undefined && frame.parent === null && isAppUrl(frame.url);
    },
    log: (line) => console.error(line),
  });

  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
}

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

let closing = false;
app.on('will-quit', (event) => {
  if (closing || !host) return;
  // Stop the sandbox and close connections before the process goes.
  event.preventDefault();
  closing = true;
  void host.close().finally(() => app.quit());
});

void main();
