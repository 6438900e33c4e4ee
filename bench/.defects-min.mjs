import * as esbuild from 'esbuild';
import { gzipSync } from 'node:zlib';
const r = await esbuild.build({ stdin: { contents: "export { SocketModeClient } from 'socket-mode-anywhere/core';", resolveDir: process.cwd()+'/bench', loader: 'js' }, bundle: true, minify: true, format: 'esm', platform: 'browser', conditions: ['browser'], target: 'es2022', write: false });
const code = r.outputFiles[0].text;
console.log(code.length, gzipSync(code, { level: 9 }).length);
if (process.argv[2]) { const i = code.indexOf(process.argv[2]); console.log(code.slice(Math.max(0,i-600), i+900)); }
