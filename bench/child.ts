import { spawn } from 'node:child_process';

/**
 * Runs `node ...args` in a child process (a fresh heap, so memory figures are its own) and resolves with its
 * stdout; stderr is passed through.
 *
 * @throws when the child exits with a non-zero code.
 */
export function runNode(args: readonly string[]): Promise<string> {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
		let out = '';
		child.stdout.setEncoding('utf8');
		child.stdout.on('data', (chunk: string) => (out += chunk));
		child.on('error', reject);
		child.on('close', (code) => {
			if (code === 0) resolve(out);
			else reject(new Error(`bench child node ${args.slice(-3).join(' ')} exited with ${code}`));
		});
	});
}
