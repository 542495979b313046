/**
 * The one entry point of the build: `node --import tsx engine/cli.ts <command> [options]`, wrapped by
 * the Makefile's targets.
 *
 *   report                 plan, run missing experiments, render build/report.html
 *   figure <id>            rerun the experiments behind figure/table <id> even when cached, render
 *   pdf                    report, then build/report.pdf
 *   explain <id>           which key component changed since the newest artifact (figure, table or experiment id)
 *   check                  exit 1 when the report would show anything not computed from the current key
 *   list                   experiments, figures, tables, cache state
 *   run [<id>...]          run experiments (all, or the named ones) without rendering
 *   clean-tmp              remove temp folders left by builds that died
 *   preview                serve the report at 127.0.0.1:--port (3000), re-rendered (frozen) on every save
 *
 * Options (each the Makefile variable of the same name, parsed in commands/settings.ts):
 *   --profile=smoke|local|paper (local)  --jobs=n (cores)  --frozen=1  --backend=auto|wasm|cpu|tensorflow|webgpu
 *   --executor=local|slurm (local)  --dry-run=1  --root=<project> (this repository)
 */
import { parseArgs } from 'node:util';
import { stderrTerminal, systemClock } from './commands/effects.ts';
import { REPO_ROOT } from './commands/project.ts';
import { parsePort, parseSettings } from './commands/settings.ts';
import {
  checkCommand,
  cleanTmpCommand,
  explainCommand,
  figureCommand,
  listCommand,
  pdfCommand,
  reportCommand,
  runCommand,
  type CommandOptions,
} from './commands/commands.ts';

const USAGE = `usage: engine/cli.ts <report|figure <id>|pdf|explain <id>|check|list|run [<id>...]|clean-tmp|preview [--port=n]>
  [--profile=smoke|local|paper] [--jobs=n] [--frozen=1] [--backend=auto|wasm|cpu|tensorflow|webgpu]
  [--executor=local|slurm] [--dry-run=1] [--root=dir]`;

function parse(argv: string[]): { command: string; target: string | undefined; rest: string[]; port: string | undefined; options: Omit<CommandOptions, 'signal'> } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        profile: { type: 'string' },
        jobs: { type: 'string' },
        frozen: { type: 'string' },
        backend: { type: 'string' },
        executor: { type: 'string' },
        'dry-run': { type: 'string' },
        root: { type: 'string', default: REPO_ROOT },
        port: { type: 'string' },
      },
    });
  } catch (error) {
    throw new Error(`${(error as Error).message.split('\n')[0]}\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  const [command, target, ...more] = positionals;
  if (!command) throw new Error(USAGE);
  const settings = parseSettings({
    profile: values.profile,
    backend: values.backend,
    jobs: values.jobs,
    frozen: values.frozen,
    executor: values.executor,
    dryRun: values['dry-run'],
  });
  return {
    command,
    target,
    rest: target === undefined ? [] : [target, ...more],
    port: values.port,
    options: {
      ...settings,
      root: values.root,
      terminal: stderrTerminal(),
      output: (line) => void process.stdout.write(line + '\n'),
      clock: systemClock,
    },
  };
}

function needTarget(command: string, target: string | undefined): string {
  if (!target) throw new Error(`${command} needs a figure, table or experiment id (make ${command} FIG=<id>)`);
  return target;
}

async function main(): Promise<number> {
  const { command, target, rest, port, options: parsed } = parse(process.argv.slice(2));
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    process.stderr.write(`\n${signal}: stopping running experiments (again to quit at once)\n`);
    controller.abort(new Error(signal));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const options: CommandOptions = { ...parsed, signal: controller.signal };
  switch (command) {
    case 'report':
      return reportCommand(options);
    case 'figure':
      return figureCommand(needTarget(command, target), options);
    case 'pdf':
      return pdfCommand(options);
    case 'explain':
      return explainCommand(needTarget(command, target), options);
    case 'check':
      return checkCommand(options);
    case 'list':
      return listCommand(options);
    case 'run':
      return runCommand(rest, options);
    case 'clean-tmp':
      return cleanTmpCommand(options);
    case 'preview':
      return (await import('./preview/preview.ts')).previewCommand(options, parsePort(port));
    default:
      throw new Error(`unknown command '${command}'\n${USAGE}`);
  }
}

main().then(
  (status) => process.exit(status),
  (error: unknown) => {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    if (process.env.DEBUG === '1' && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    process.exit(2);
  },
);
