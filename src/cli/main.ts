import { CsvError } from './csv';
import { UsageError } from './args';
import { ModelFileError } from '../core/forest';
import { evalUsage, runEval } from './commands/eval';
import { forestScoreUsage, runForestScore } from './commands/forest-score';
import { runScore, scoreUsage } from './commands/score';
import { runTrain, trainUsage } from './commands/train';
import { evalDetectorUsage, runEvalDetector } from './commands/eval-detector';
import { runSimulate, simulateUsage } from './commands/simulate';
import { compareUsage, runCompare } from './commands/compare';
import { runSchema, schemaUsage } from './commands/schema';

type Command = { run: (argv: string[], out: NodeJS.WritableStream) => Promise<number>; usage: string; summary: string };

/** Every `txn-anomaly` subcommand. */
export const commands: Record<string, Command> = {
  eval: { run: runEval, usage: evalUsage, summary: 'train and score a labelled CSV, print AUC and timings' },
  simulate: { run: (argv, out) => runSimulate(argv, out), usage: simulateUsage, summary: 'write simulated transactions as JSONL (seeded, optionally labelled)' },
  train: { run: runTrain, usage: trainUsage, summary: 'train a transaction model on simulated traffic or a JSONL file' },
  score: { run: runScore, usage: scoreUsage, summary: 'score JSONL transactions with history, rules and policy; JSONL results out' },
  'eval-detector': { run: runEvalDetector, usage: evalDetectorUsage, summary: 'recall per anomaly type, false positives, precision, PR-AUC on labelled traffic' },
  schema: { run: runSchema, usage: schemaUsage, summary: 'print the JSON Schema of a Transaction, a DetectionResult or an ErrorResult' },
  compare: { run: runCompare, usage: compareUsage, summary: 'champion vs shadow model on JSONL: agreement, score correlation, disagreements' },
  'forest-score': { run: runForestScore, usage: forestScoreUsage, summary: 'print score_samples of every CSV row under a model file' },
};

function mainUsage(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `Usage: txn-anomaly <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun "txn-anomaly <command> --help" for a command's options.`;
}

/** Runs the CLI; returns the exit status (0 ok, 1 fatal error, 2 usage error). */
export async function main(argv: string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    out.write(`${mainUsage()}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (!command) {
    err.write(`txn-anomaly: unknown command "${name}"\n\n${mainUsage()}\n`);
    return 2;
  }
  try {
    return await command.run(rest, out);
  } catch (e) {
    if (e instanceof UsageError) {
      err.write(`txn-anomaly ${name}: ${e.message}\n\n${command.usage}\n`);
      return 2;
    }
    if (e instanceof CsvError || e instanceof ModelFileError) {
      err.write(`txn-anomaly ${name}: ${e.message}\n`);
      return 1;
    }
    err.write(`txn-anomaly ${name}: ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}
