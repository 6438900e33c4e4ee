// `socket-mode-anywhere/redis`: what replicas of one app share through Redis. Nothing here imports a Redis client:
// the app passes its own (node-redis v4+ as it is, ioredis through ioredisScripts).
export {
  redisDedupeStore,
  ioredisScripts,
  RedisTimeoutError,
  type RedisDedupeStore,
  type RedisDedupeOptions,
  type RedisScriptClient,
  type RedisScriptArgs,
  type IoredisLike,
} from './dedupe-store.ts';
export { redisFleet, FleetError, type RedisFleet, type RedisFleetOptions, type FleetStatus } from './fleet.ts';
