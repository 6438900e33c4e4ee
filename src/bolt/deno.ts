// Deno entry of `socket-mode-anywhere/bolt`: the receiver with the package's Deno networking (its proxy support:
// src/platform/deno.ts), as the package's deno entry registers it.
import '../platform/deno.ts';

export * from './index.ts';
