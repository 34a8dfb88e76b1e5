/**
 * A bot in an OS process of its own, started as `npm start` starts it but from the TypeScript sources
 * (`node --import tsx src/index.ts`), with JSON logs on stdout, for the multi-process tests and bench/cluster.ts:
 * signals (SIGKILL, SIGSTOP) reach a real process, and the log lines say what it does.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

/** One JSON log line of the bot (pino). */
export interface LogLine {
	msg?: string;
	level?: number;
	time?: number;
	[field: string]: unknown;
}

/** A running bot process. */
export interface BotProcess {
	readonly name: string;
	readonly child: ChildProcess;
	/** Every log line so far, with the time it arrived (`performance.now()`). */
	readonly lines: (LogLine & { receivedAt: number })[];
	/** Resolves with the first line (already seen or coming) that matches; rejects after `timeoutMs` or on exit. */
	waitForLine(match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine & { receivedAt: number }>;
	/** Sends `signal`. */
	signal(signal: NodeJS.Signals): void;
	/** Resolves when the process has exited. */
	readonly exited: Promise<void>;
}

/**
 * Starts a bot with exactly `env` (plus PATH and HOME), `LOG_FORMAT=json`.
 *
 * @param name for error messages.
 */
export function spawnBot(name: string, env: Record<string, string>): BotProcess {
	const child = spawn(process.execPath, ['--import', 'tsx', 'src/index.ts'], {
		cwd: ROOT,
		env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_FORMAT: 'json', ...env },
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	const lines: (LogLine & { receivedAt: number })[] = [];
	const waiters = new Set<() => void>();
	let stderr = '';
	let buffered = '';
	child.stdout.setEncoding('utf8');
	child.stdout.on('data', (chunk: string) => {
		buffered += chunk;
		let newline: number;
		while ((newline = buffered.indexOf('\n')) >= 0) {
			const text = buffered.slice(0, newline);
			buffered = buffered.slice(newline + 1);
			try {
				lines.push({ ...(JSON.parse(text) as LogLine), receivedAt: performance.now() });
			} catch {
				lines.push({ msg: text, receivedAt: performance.now() });
			}
		}
		for (const waiter of waiters) waiter();
	});
	child.stderr.setEncoding('utf8');
	child.stderr.on('data', (chunk: string) => {
		stderr = (stderr + chunk).slice(-4_000);
	});
	let hasExited = false;
	const exited = new Promise<void>((resolve) => {
		child.once('exit', () => {
			hasExited = true;
			for (const waiter of waiters) waiter();
			resolve();
		});
	});
	return {
		name,
		child,
		lines,
		exited,
		signal(signal) {
			child.kill(signal);
		},
		waitForLine(match, timeoutMs = 30_000) {
			return new Promise((resolve, reject) => {
				const check = () => {
					const line = lines.find(match);
					if (line) {
						done();
						resolve(line);
					} else if (hasExited) {
						done();
						reject(new Error(`bot ${name} exited before the awaited log line; stderr: ${stderr}`));
					}
				};
				const timer = setTimeout(() => {
					done();
					const seen = lines.map((line) => line.msg).join(' | ');
					reject(new Error(`bot ${name}: no such log line within ${timeoutMs} ms; seen: ${seen}; stderr: ${stderr}`));
				}, timeoutMs);
				const done = () => {
					clearTimeout(timer);
					waiters.delete(check);
				};
				waiters.add(check);
				check();
			});
		},
	};
}

/** The leader lines of a bot (`this process is the leader ...`), with their term. */
export function isLeaderLine(line: LogLine): boolean {
	return typeof line.msg === 'string' && line.msg.startsWith('this process is the leader');
}
