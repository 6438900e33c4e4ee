#!/usr/bin/env node
// `npx socket-mode-anywhere <command>`: the simulator, the dev panel next to it, and the HTTP forwarder.
import { runSimulatorCli } from '../simulator/cli.ts';

const USAGE = `Usage: socket-mode-anywhere <command>
  simulator [--port 3300] …   a local Slack (Socket Mode + Web API) on loopback; --help for options
  dev [--port 3300]           the simulator plus the browser dev panel (or real Slack with SLACK_APP_TOKEN)
  forward --to URL            serve an HTTP-mode Slack app from Socket Mode (signed as Slack would); --help`;

const [command, ...rest] = process.argv.slice(2);
try {
  if (command === 'simulator') await runSimulatorCli(rest);
  else if (command === 'dev') {
    const { runDevCli } = await import('../devpanel/cli.ts');
    await runDevCli(rest);
  } else if (command === 'forward') {
    const { runForwardCli } = await import('../forward/cli.ts');
    await runForwardCli(rest);
  } else {
    console.log(USAGE);
    process.exitCode = command === undefined || command === '--help' || command === '-h' ? 0 : 2;
  }
} catch (e) {
  console.error(`socket-mode-anywhere: ${(e as Error).message}`);
  process.exitCode = 2;
}
