// Builds the web front end into api/web_assets/, which ships inside the Python package
// (served at /ui/ by api/web.py), so a plain `pip install` needs no Node.js.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  base: '/ui/',
  plugins: [react()],
  build: {
    outDir: '../api/web_assets',
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
    // Fonts and images become files, never data: URIs (the UI's CSP allows them from 'self').
    assetsInlineLimit: 0,
    rollupOptions: {
      output: {
        // Stable names per content: a rebuild of unchanged sources reproduces the same files.
        entryFileNames: 'assets/[name]-[hash].js',
        chunkFileNames: 'assets/[name]-[hash].js',
        assetFileNames: 'assets/[name]-[hash][extname]',
      },
    },
  },
  server: { proxy: { '/api': 'http://127.0.0.1:5000' } },
});
