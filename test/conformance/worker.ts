// workerd entry: the client runs inside a Durable Object, exactly where a deployed bot would run it.
import { SocketModeClient } from '../../src/index.ts';
import { SocketModeClient as CoreClient } from '../../src/core/index.ts';
import { runConformance } from './scenario.ts';

export class ConformanceObject {
  async fetch(request: Request): Promise<Response> {
    const u = new URL(request.url);
    const simUrl = u.searchParams.get('sim')!;
    const appToken = u.searchParams.get('token')!;
    const report = await runConformance({
      simUrl,
      runtime: 'workerd',
      // ?client=core: the core client alone (socket-mode-anywhere/core)
      createClient: () => new (u.searchParams.get('client') === 'core' ? CoreClient : SocketModeClient)({ appToken, apiUrl: `${simUrl}/api/`, logLevel: 'error' as any }),
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
