// workerd entry: the client runs inside a Durable Object, exactly where a deployed bot would run it.
import { SocketModeClient } from '../../src/index.ts';
import { CoreClient } from '../../src/core/index.ts';
import { runConformance } from './scenario.ts';
import { runSilence } from './silence.ts';

export class ConformanceObject {
  async fetch(request: Request): Promise<Response> {
    const u = new URL(request.url);
    const simUrl = u.searchParams.get('sim')!;
    const appToken = u.searchParams.get('token')!;
    // ?scenario=silence: a pool of 2 (no ping in workerd) finds a silently dead member (test/conformance/silence.ts)
    if (u.searchParams.get('scenario') === 'silence') {
      const pool = () =>
        new SocketModeClient({ appToken, apiUrl: `${simUrl}/api/`, logLevel: 'error' as any, connections: 2 });
      return Response.json(await runSilence({ simUrl, runtime: 'workerd', createPool: pool }));
    }
    const report = await runConformance({
      simUrl,
      runtime: 'workerd',
      // ?client=core: the core client alone (socket-mode-anywhere/core)
      createClient: () =>
        new (u.searchParams.get('client') === 'core' ? CoreClient : SocketModeClient)({
          appToken,
          apiUrl: `${simUrl}/api/`,
          logLevel: 'error' as any,
        }),
    });
    return Response.json(report);
  }
}

export default {
  fetch(request: Request, env: { CONFORMANCE: any }): Promise<Response> {
    const stub = env.CONFORMANCE.get(env.CONFORMANCE.idFromName('conformance'));
    return stub.fetch(request);
  },
};
