// healthSignal(): what a readiness or liveness probe needs, as plain JSON (core/health.ts builds it from marks the
// core records as things happen). The full client chooses it and answers `client.health()` with it; a CoreClient
// takes it in `features`, and the value itself answers `health()` (so createHealthHandler takes either).
import type { Core } from '../core/context.ts';
import { InvalidOptionsError } from '../core/errors.ts';
import { defineFeature, type Feature } from '../core/feature.ts';
import { healthReport, type HealthOptions, type HealthReport } from '../core/health.ts';

/** The health feature: pass it in `features`, then ask it (or give it to createHealthHandler). */
export type HealthSignal = Feature & { health(o?: HealthOptions): HealthReport };

export function healthSignal(): HealthSignal {
  let core: Core | undefined;
  const signal = defineFeature((c) => ((core = c), {})) as HealthSignal;
  signal.health = (o) => {
    if (!core) throw new InvalidOptionsError('healthSignal(): pass it in a client’s features first');
    return healthReport(core, o);
  };
  return signal;
}
