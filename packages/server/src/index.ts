/**
 * @pail/server — Pail, a self-hosted object store speaking the Alibaba Cloud OSS HTTP API.
 *
 * Public API (what `pail serve` — packages/cli/src/commands/serve.ts — and the suites use):
 *
 *   resolveServerConfig(argv, env) → ServerConfig
 *       argv: the `pail serve` arguments (after `serve`): --host, --port, --data-dir, --region,
 *       --domain (repeatable), --log-level, --multipart-expiry, --example; env: PAIL_HOST,
 *       PAIL_PORT, PAIL_DATA_DIR, PAIL_REGION, PAIL_DOMAIN (comma-separated), PAIL_LOG_LEVEL,
 *       PAIL_MULTIPART_EXPIRY, PAIL_ROOT_ACCESS_KEY_ID + PAIL_ROOT_ACCESS_KEY_SECRET. Throws an
 *       Error with a terminal-ready message on bad input.
 *
 *   startServer(config & { clock?, log?, handleSignals? }) → Promise<RunningServer>
 *       Every config field is optional (defaults: 127.0.0.1:9000, ./.pail, cn-hangzhou,
 *       localhost). port 0 = ephemeral. Resolves once storage is open and recovered.
 *       RunningServer = { url, port, host, rootCredentials: {accessKeyId, accessKeySecret},
 *       createdRootKey, core, config, log, close() }. Printing the new root key (when
 *       createdRootKey) is the CLI's job. Pass `handleSignals: true` (the CLI does) for graceful
 *       SIGTERM/SIGINT shutdown, or call installSignalHandlers(server) yourself.
 *
 *   ensureExample(server, expires = 3600) → Promise<string>
 *       Creates bucket `examplebucket` with `exampleobject.txt` unless present; returns a V4
 *       presigned GET URL, path style: `http://host:port/examplebucket/exampleobject.txt?…`.
 *
 *   createCore(options) → Core: the in-process pipeline (`core.handle(request)`), no sockets.
 */
export { type Authorizer, aclAuthorizer, authorize, DEFAULT_AUTHORIZERS, rootAuthorizer } from './auth/authorize.js';
export { type AccessKeyEntry, type AccessKeyStore, accountIdFor, type Principal, rootEntry, StaticAccessKeyStore } from './auth/keys.js';
export { loadOrCreateRootCredentials, ROOT_CREDENTIALS_FILE, type RootCredentials } from './auth/root-credentials.js';
export { type Clock, ManualClock, systemClock } from './clock.js';
export { DEFAULTS, normalizeConfig, resolveServerConfig, type ServerConfig } from './config.js';
export { type Core, type CoreOptions, type CoreRequest, type CoreResponse, createCore } from './core.js';
export { createLogger, type Logger, type LogLevel, redact, redactTarget } from './log.js';
export {
  EXAMPLE_BUCKET,
  EXAMPLE_KEY,
  ensureExample,
  installSignalHandlers,
  type RunningServer,
  type StartServerOptions,
  startServer,
} from './server.js';
