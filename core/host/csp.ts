/**
 * The renderer's Content Security Policy, the same in the Electron window and the browser host: scripts,
 * styles, fonts and workers only from the app's own origin, no remote anything. `connect` adds the browser
 * bridge's WebSocket origins.
 */
export function contentSecurityPolicy(connect: string[] = []): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    // Monaco sets inline styles for layout and injects its theme's style element.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self' ${connect.join(' ')}`.trim(),
    "worker-src 'self' blob:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}
