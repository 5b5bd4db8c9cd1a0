// Preloaded (`node --expose-gc --import`) into gateway processes by the keys
// scenario, and by nothing else: on the IPC message 'bench:memory' it runs a
// full GC and answers with process.memoryUsage(), so heap per key is measured
// on live objects only. The gateway's code is untouched; without an IPC
// channel this file does nothing.
const MESSAGE = 'bench:memory';

if (process.send) {
  process.on('message', (message) => {
    if (message !== MESSAGE) return;
    (globalThis as { gc?: () => void }).gc?.();
    process.send?.({ type: MESSAGE, usage: process.memoryUsage() });
  });
  // The listener must not keep the gateway alive once it wants to exit.
  process.channel?.unref();
}

export {};
