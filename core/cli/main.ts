#!/usr/bin/env node
import './quiet-warnings';
import { runCli } from './run';

const controller = new AbortController();
let interrupted = false;
process.on('SIGINT', () => {
  // The first Ctrl+C cancels and lets cleanup run; a second one exits at once.
  if (interrupted) process.exit(130);
  interrupted = true;
  process.stderr.write('\ncancelling (press Ctrl+C again to exit without cleanup)...\n');
  controller.abort();
});

const code = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  cwd: process.cwd(),
  env: process.env,
  signal: controller.signal,
});
process.exitCode = code;
