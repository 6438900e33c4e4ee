// Node entry of `socket-mode-anywhere/bolt`: the receiver with ws as the client's WebSocket (as the package's
// node entry registers it), on every Node version Bolt runs on.
import '../platform/node.ts';

export * from './index.ts';
