// The conformance scenario in a page. The page never sees the app token: it gets each one-time wss:// URL
// from a backend (createConnectionUrlHandler) through the client's openConnection hook.
import { SocketModeClient, connectionUrlFrom } from '../../../src/index.ts';
import { CoreClient } from '../../../src/core/index.ts';
import { runConformance } from '../../conformance/scenario.ts';

const q = new URLSearchParams(location.search);
const simUrl = q.get('sim');
const backend = q.get('backend');
if (simUrl && backend) {
  const report = await runConformance({
    simUrl,
    runtime: q.get('client') === 'core' ? 'chromium-core' : 'chromium',
    // &client=core: the core client alone (socket-mode-anywhere/core)
    createClient: () =>
      new (q.get('client') === 'core' ? CoreClient : SocketModeClient)({
        openConnection: connectionUrlFrom(backend),
        logLevel: 'error' as any,
      }),
  });
  (window as any).__report = report;
  document.getElementById('out')!.textContent = JSON.stringify(report, null, 2);
}
