import { parseServeArgs, serve, SERVE_USAGE, UsageRequest } from '../../host/serve';
import { UsageError, type CliCommand } from '../command';

export const serveCommand: CliCommand = {
  path: ['serve'],
  summary: 'Run the workbench as a browser host on 127.0.0.1 (the desktop app without Electron) until Ctrl+C',
  usage:
    SERVE_USAGE.replace(/^Usage: npm run serve -- \[options\]\n/, 'serve [options]\n') +
    '\nNeeds the built renderer (`npm run build`). Exit codes: 0 stopped with Ctrl+C, 1 it could not start, 2 bad usage.',
  async run(args, io) {
    let parsed;
    try {
      parsed = parseServeArgs(args, io.cwd);
    } catch (error) {
      if (error instanceof UsageRequest) throw new UsageError('usage');
      throw new UsageError((error as Error).message);
    }
    const server = await serve(parsed, io.stdout);
    try {
      await new Promise<void>((resolve) => {
        if (io.signal.aborted) resolve();
        else io.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      io.stdout('Stopping the workbench host...\n');
    } finally {
      await server.close();
    }
    return 0;
  },
};
