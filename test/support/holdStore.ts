/**
 * A second real process for the single-process lock test: `node --import tsx test/support/holdStore.ts STORE_URL`
 * opens the store as the bot does (`openDatabase`), prints `open`, and keeps it open until its standard input ends
 * (then closes it and exits 0). When the store is refused it prints the error's message to stderr and exits 3.
 */
import { openDatabase } from '../../src/storage/database.js';

const url = process.argv[2];
if (!url) throw new Error('usage: holdStore.ts STORE_URL');
try {
	const database = await openDatabase(url);
	process.stdout.write('open\n');
	process.stdin.resume();
	process.stdin.on('end', () => {
		void database.close().then(() => process.exit(0));
	});
} catch (error) {
	process.stderr.write(`${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`);
	process.exit(3);
}
