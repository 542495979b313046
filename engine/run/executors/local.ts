/**
 * The local executor: each cell's supervisor is a child process of the build, up to JOBS at once. The
 * job goes in on stdin, which stays open: the child stops when the build dies. Ctrl-C (the build's
 * abort signal) sends it SIGTERM, then SIGKILL after a grace period.
 */
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { startTsx, tsxImport } from '../spawn.ts';
import { MESSAGE_FD, type CellJob, type CellOutcome, type SupervisorMessage } from '../protocol.ts';
import type { Executor, RunEvents } from './executor.ts';

const KILL_GRACE_MS = 5000;
export const SUPERVISOR = join(import.meta.dirname, '..', 'supervise.ts');

export function localExecutor(jobs: number): Executor {
  return {
    name: 'local',
    slots: Math.max(1, jobs),
    describe: () => `${process.execPath} --import ${tsxImport()} ${SUPERVISOR} < job`,
    async run(job: CellJob, events: RunEvents, signal: AbortSignal): Promise<CellOutcome> {
      const attached: CellJob = { ...job, attached: true, reportToStore: false };
      const { child } = await startTsx(job.root, SUPERVISOR, [], { ...process.env, FORCE_COLOR: '0' });
      child.stdin.write(JSON.stringify(attached) + '\n');
      let outcome: CellOutcome | null = null;
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      const lines = createInterface({ input: child.child!.stdio[MESSAGE_FD] as NodeJS.ReadableStream });
      const linesClosed = new Promise<void>((resolve) => lines.once('close', resolve));
      lines.on('line', (line) => {
        let message: SupervisorMessage;
        try {
          message = JSON.parse(line) as SupervisorMessage;
        } catch {
          return;
        }
        if (message.type === 'progress') events.progress(message);
        else if (message.type === 'started') events.started();
        else if (message.type === 'wait') events.waiting(message.owner);
        else outcome = message.outcome;
      });
      const stop = () => {
        void child.kill('SIGTERM');
        setTimeout(() => void child.kill('SIGKILL').catch(() => {}), KILL_GRACE_MS).unref();
      };
      signal.addEventListener('abort', stop, { once: true });
      const exit = await child;
      signal.removeEventListener('abort', stop);
      child.stdin.end();
      await Promise.race([linesClosed, new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
      lines.close();
      if (outcome) return outcome;
      if (signal.aborted) return { status: 'interrupted', reason: 'interrupted' };
      const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.exitCode}`;
      return { status: 'failed', seconds: 0, message: `the run's supervisor ${how} before it reported`, logPath: '(none)', logTail: output.trimEnd().split('\n').slice(-20) };
    },
  };
}
