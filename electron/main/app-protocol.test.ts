import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAllowedPermission, isAllowedRequest, isAppUrl, resolveAppFile } from './app-protocol';

const dir = path.resolve('/srv/app/out/renderer');

describe('app:// protocol', () => {
  it('maps app URLs into the renderer folder and nothing outside it', () => {
    expect(resolveAppFile('app://workbench/', dir)).toBe(path.join(dir, 'index.html'));
    expect(resolveAppFile('app://workbench/assets/index-abc.js', dir)).toBe(
      path.join(dir, 'assets/index-abc.js'),
    );
    for (const bad of [
      'app://workbench/../../etc/passwd',
      'app://workbench/%2e%2e/%2e%2e/etc/passwd',
      'app://workbench/assets/%2e%2e%2f%2e%2e%2f..%2fsecret',
      'app://other/index.html',
      'file:///etc/passwd',
      'app://workbench/%E0%A4%A',
      'not a url',
    ]) {
      // Either refused, or (when the URL parser already folded the dots) a path that stays inside the folder.
      const file = resolveAppFile(bad, dir);
      if (file !== undefined) expect(file.startsWith(dir + path.sep), `${bad} -> ${file}`).toBe(true);
    }
    // Encoded slashes survive URL parsing and would climb out after decoding: refused.
    expect(resolveAppFile('app://workbench/assets/%2e%2e%2f%2e%2e%2f..%2fsecret', dir)).toBeUndefined();
    expect(resolveAppFile('app://other/index.html', dir)).toBeUndefined();
    expect(resolveAppFile('file:///etc/passwd', dir)).toBeUndefined();
  });

  it('allows navigation and requests only to the app itself', () => {
    expect(isAppUrl('app://workbench/index.html')).toBe(true);
    expect(isAppUrl('https://example.com/')).toBe(false);
    expect(isAppUrl('app://evil/index.html')).toBe(false);
    expect(isAllowedRequest('app://workbench/assets/x.js', false)).toBe(true);
    expect(isAllowedRequest('blob:app://workbench/1234', false)).toBe(true);
    expect(isAllowedRequest('https://cdn.jsdelivr.net/npm/monaco-editor', false)).toBe(false);
    expect(isAllowedRequest('http://127.0.0.1:9000/', false)).toBe(false);
    expect(isAllowedRequest('devtools://devtools/bundled/x.js', false)).toBe(false);
    expect(isAllowedRequest('devtools://devtools/bundled/x.js', true)).toBe(true);
  });

  it('grants no permission but writing to the clipboard', () => {
    expect(isAllowedPermission('clipboard-sanitized-write')).toBe(true);
    for (const p of [
      'media',
      'geolocation',
      'notifications',
      'openExternal',
      'clipboard-read',
      'fullscreen',
    ]) {
      expect(isAllowedPermission(p)).toBe(false);
    }
  });
});
