import * as esbuild from 'esbuild';
const r = await esbuild.build({ stdin: { contents: "import { SocketModeClient } from 'socket-mode-anywhere';\nexport { SocketModeClient };\n", resolveDir: process.cwd()+'/bench', loader: 'js' }, bundle: true, minify: true, format: 'esm', platform: 'browser', conditions: ['browser'], target: 'es2022', write: false });
const s = new TextDecoder().decode(r.outputFiles[0].contents);
const i = s.indexOf('connections must be an integer');
console.log(s.slice(i - 100, i + 1500));
