import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const SIGNALING = process.env.SIGNALING_URL ?? 'http://127.0.0.1:3000';

// The signaling server serves dist/ with an SPA fallback for /studio, /classroom, … in production.
// In development, Vite serves the app and forwards the socket and the REST API to signaling.
export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    // hls.js (≈580 kB, lazy: only the library's entry page loads it) is the largest chunk.
    chunkSizeWarningLimit: 600,
    rolldownOptions: {
      output: {
        // Long-lived vendor chunks: a client release does not make every classroom re-download React
        // or mediasoup-client over a weak county-school uplink.
        codeSplitting: {
          groups: [
            { name: 'react', test: /node_modules[\\/](react|react-dom|scheduler)[\\/]/ },
            { name: 'media', test: /node_modules[\\/](mediasoup-client|webrtc-adapter|sdp|sdp-transform|h264-profile-level-id|awaitqueue|debug|ms|fake-mediastreamtrack|events-alias|@lukeed)[\\/]/ },
            // Live quiz charts: only the studio and observers load them.
            { name: 'charts', test: /node_modules[\\/](chart\.js|react-chartjs-2|@kurkle)[\\/]/ },
            // Library playback: only /library/<id> loads hls.js.
            { name: 'hls', test: /node_modules[\\/]hls\.js[\\/]/ },
            { name: 'vendor', test: /node_modules[\\/]/ },
          ],
        },
      },
    },
  },
  server: {
    host: '127.0.0.1',
    proxy: {
      '/socket.io': { target: SIGNALING, ws: true, changeOrigin: false },
      '/api': { target: SIGNALING, changeOrigin: false },
      '/healthz': { target: SIGNALING, changeOrigin: false },
    },
  },
});
