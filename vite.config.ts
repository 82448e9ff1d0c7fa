import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The renderer bundle, shared by the Electron window (app:// protocol) and the browser host (http on 127.0.0.1):
 * relative asset URLs so either origin works, Monaco's workers as separate same-origin files (no CDN, no blob
 * workers needed), everything under out/renderer.
 */
export default defineConfig({
  root: fileURLToPath(new URL('./renderer', import.meta.url)),
  base: './',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('./out/renderer', import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 8000,
    sourcemap: false,
    target: 'es2023',
  },
  worker: { format: 'es' },
  server: { host: '127.0.0.1' },
});
