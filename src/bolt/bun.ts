// Bun entry of `socket-mode-anywhere/bolt`: the receiver with the package's Bun networking (its proxy support:
// src/platform/bun.ts), as the package's bun entry registers it.
import '../platform/bun.ts';

export * from './index.ts';
