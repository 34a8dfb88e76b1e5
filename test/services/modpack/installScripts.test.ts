import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Language, Parser } from 'web-tree-sitter';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kit } from '../../../src/services/modpack/modpack.js';
import { buildKit } from '../../../src/services/modpack/modpack.js';
import { PortalReleaseSource } from '../../../src/services/modpack/releaseSource.js';
import { PortalClient } from '../../../src/services/portal/client.js';
import { FakePortal } from '../../support/fakePortal.js';
import { mod, release } from './support.js';

const ACCOUNT = { username: 'server-admin', token: '0123456789abcdef0123456789abcdef' };

interface Run {
	code: number;
	stdout: string;
	stderr: string;
}

function run(command: string, args: string[], env: Record<string, string>, cwd: string): Promise<Run> {
	return new Promise((resolve) => {
		execFile(
			command,
			args,
			{ env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, cwd, timeout: 60_000 },
			(error, stdout, stderr) => {
				const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
				resolve({ code, stdout, stderr });
			},
		);
	});
}

function sha1(path: string): string {
	return createHash('sha1').update(readFileSync(path)).digest('hex');
}

let portal: FakePortal;
let kit: Kit['files'];
let lock: { mods: { name: string; file_name: string; sha1: string }[] };
let root: string;

beforeAll(async () => {
	portal = await FakePortal.start({
		mods: [],
		full: {
			flib: mod('flib', [
				release('flib', '0.16.3', '2.0', ['base >= 2.0.0']),
				release('flib', '0.16.4', '2.0', ['base >= 2.0.0']),
			]),
			'Squeak Through': mod('Squeak Through', [release('Squeak Through', '1.2.2', '2.0', ['base >= 2.0.0'])]),
			'big-overhaul': mod('big-overhaul', [
				release('big-overhaul', '3.1.0', '2.0', [
					'base >= 2.0.28',
					'flib >= 0.16.0',
					'Squeak Through',
					'? optional-thing',
				]),
			]),
		},
	});
	portal.enableDownloads(ACCOUNT);
	const client = new PortalClient({ baseUrl: portal.url, retryBaseMs: 1 });
	const built = await buildKit(
		[{ name: 'big-overhaul' }],
		{ version: '2.0', spaceAge: true },
		true,
		new PortalReleaseSource(client),
	);
	kit = built.files;
	lock = JSON.parse(kit.find((f) => f.name === 'mods.lock.json')?.content ?? '{}') as typeof lock;
	root = mkdtempSync(join(tmpdir(), 'fmb-install-'));
	for (const file of kit) writeFileSync(join(root, file.name), file.content);
});

afterAll(async () => {
	await portal.close();
	rmSync(root, { recursive: true, force: true });
});

function serverDir(): string {
	const dir = mkdtempSync(join(root, 'server-'));
	mkdirSync(join(dir, 'mods'));
	return dir;
}

const withAccount = () => ({
	FACTORIO_PORTAL_URL: portal.url,
	FACTORIO_USERNAME: ACCOUNT.username,
	FACTORIO_TOKEN: ACCOUNT.token,
});

function installSh(dir: string, args: string[] = [], env: Record<string, string> = withAccount()): Promise<Run> {
	return run('sh', [join(root, 'install-mods.sh'), ...args, join(dir, 'mods')], env, dir);
}

describe('install-mods.sh against the fake portal', () => {
	it('has the three mods of the kit, with the sha1s the portal serves', () => {
		expect(lock.mods.map((m) => m.name)).toEqual(['big-overhaul', 'flib', 'Squeak Through']);
		for (const entry of lock.mods) expect(entry.sha1).toMatch(/^[0-9a-f]{40}$/);
		expect(kit.find((f) => f.name === 'mods.lock.json')?.content).not.toContain(ACCOUNT.token);
	});

	it('downloads and verifies every file, writes mod-list.json last, and never prints the token', async () => {
		const dir = serverDir();
		const before = portal.downloadRequests().length;
		const result = await installSh(dir);
		expect(result.stderr).toBe('');
		expect(result.code).toBe(0);
		for (const entry of lock.mods) expect(sha1(join(dir, 'mods', entry.file_name))).toBe(entry.sha1);
		expect(readFileSync(join(dir, 'mods', 'mod-list.json'), 'utf8')).toBe(
			kit.find((f) => f.name === 'mod-list.json')?.content,
		);
		expect(result.stdout).toContain('Done: 3 downloaded, 0 already up to date');
		expect(result.stdout + result.stderr).not.toContain(ACCOUNT.token);
		const downloads = portal.downloadRequests().slice(before);
		expect(downloads).toHaveLength(3);
		expect(
			downloads.every((r) => r.query.get('token') === ACCOUNT.token && r.query.get('username') === ACCOUNT.username),
		).toBe(true);
	});

	it('downloads nothing on a second run when every sha1 matches', async () => {
		const dir = serverDir();
		expect((await installSh(dir)).code).toBe(0);
		const before = portal.downloadRequests().length;
		const second = await installSh(dir);
		expect(second.code).toBe(0);
		expect(second.stdout).toContain('Done: 0 downloaded, 3 already up to date');
		expect(portal.downloadRequests().length).toBe(before);
	});

	it('deletes a download whose sha1 does not match and leaves mod-list.json as it was', async () => {
		const dir = serverDir();
		portal.downloadFault({ kind: 'wrong_sha1', name: 'flib', times: 1 });
		const result = await installSh(dir);
		expect(result.code).toBe(1);
		expect(result.stderr).toMatch(
			/flib_0\.16\.4\.zip: the download's sha1 is [0-9a-f]{40}, not [0-9a-f]{40}; deleted it/,
		);
		expect(existsSync(join(dir, 'mods', 'flib_0.16.4.zip'))).toBe(false);
		expect(existsSync(join(dir, 'mods', 'mod-list.json'))).toBe(false);
		expect(existsSync(join(dir, 'mods', 'Squeak Through_1.2.2.zip'))).toBe(true);
	});

	it('stops at a 403, saying the account must own Factorio, without printing the token', async () => {
		const dir = serverDir();
		const before = portal.downloadRequests().length;
		portal.downloadFault({ kind: '403', times: 1 });
		const result = await installSh(dir);
		expect(result.code).toBe(3);
		expect(result.stderr).toContain('the account must own Factorio');
		expect(result.stdout + result.stderr).not.toContain(ACCOUNT.token);
		expect(portal.downloadRequests().length - before).toBe(1);
		expect(existsSync(join(dir, 'mods', 'mod-list.json'))).toBe(false);
	});

	it('stops when the portal refuses the account itself, and when it answers with its login page', async () => {
		const dir = serverDir();
		const wrong = await installSh(dir, [], { ...withAccount(), FACTORIO_TOKEN: 'ffffffffffffffffffffffffffffffff' });
		expect(wrong.code).toBe(3);
		expect(wrong.stdout + wrong.stderr).not.toContain('ffffffffffffffff');
		portal.downloadFault({ kind: 'login_page', times: 1 });
		const login = await installSh(dir);
		expect(login.code).toBe(3);
		expect(login.stderr).toContain('login page');
	});

	it('waits as long as Retry-After says after a 429, then downloads', async () => {
		const dir = serverDir();
		portal.downloadFault({ kind: '429', name: 'Squeak Through', times: 1, retryAfter: 1 });
		const before = portal.downloadRequests().length;
		const result = await installSh(dir);
		expect(result.code).toBe(0);
		expect(result.stdout).toContain('Squeak Through: HTTP 429, trying again in 1 s');
		expect(portal.downloadRequests().length - before).toBe(4);
		expect(sha1(join(dir, 'mods', 'Squeak Through_1.2.2.zip'))).toBe(lock.mods[2]?.sha1);
	});

	it('reads the account from player-data.json beside the mods folder, or server-settings.json given by flag', async () => {
		const dir = serverDir();
		const env = { FACTORIO_PORTAL_URL: portal.url, HOME: dir };
		const none = await installSh(dir, [], env);
		expect(none.code).toBe(1);
		expect(none.stderr).toContain('no Factorio account found');
		writeFileSync(
			join(dir, 'player-data.json'),
			JSON.stringify(
				{ 'service-username': ACCOUNT.username, 'service-token': ACCOUNT.token, 'last-played': {} },
				null,
				2,
			),
		);
		const fromPlayerData = await installSh(dir, [], env);
		expect(fromPlayerData.code).toBe(0);
		rmSync(join(dir, 'player-data.json'));
		rmSync(join(dir, 'mods'), { recursive: true });
		const settings = join(dir, 'my-settings.json');
		writeFileSync(settings, JSON.stringify({ name: 'My server', username: ACCOUNT.username, token: ACCOUNT.token }));
		const fromFlag = await installSh(dir, ['--server-settings', settings], env);
		expect(fromFlag.code).toBe(0);
		expect(fromFlag.stdout + fromFlag.stderr).not.toContain(ACCOUNT.token);
	});

	it('keeps other mods and other versions unless --prune is given', async () => {
		const dir = serverDir();
		writeFileSync(join(dir, 'mods', 'unrelated-mod_1.0.0.zip'), 'x');
		writeFileSync(join(dir, 'mods', 'flib_0.15.0.zip'), 'x');
		writeFileSync(join(dir, 'mods', 'flib-addon_1.0.0.zip'), 'x');
		const kept = await installSh(dir);
		expect(kept.code).toBe(0);
		expect(kept.stderr).toContain('flib_0.15.0.zip is another version of flib');
		expect(existsSync(join(dir, 'mods', 'unrelated-mod_1.0.0.zip'))).toBe(true);
		const pruned = await installSh(dir, ['--prune']);
		expect(pruned.code).toBe(0);
		expect(existsSync(join(dir, 'mods', 'unrelated-mod_1.0.0.zip'))).toBe(false);
		expect(existsSync(join(dir, 'mods', 'flib_0.15.0.zip'))).toBe(false);
		expect(existsSync(join(dir, 'mods', 'flib-addon_1.0.0.zip'))).toBe(false);
		expect(existsSync(join(dir, 'mods', 'flib_0.16.4.zip'))).toBe(true);
	});

	it('passes shellcheck as POSIX sh', async () => {
		const result = await run('shellcheck', ['--shell=sh', join(root, 'install-mods.sh')], {}, root);
		expect(result.stdout + result.stderr).toBe('');
		expect(result.code).toBe(0);
	});
});

describe('install-mods.ps1', () => {
	async function powershellParser(): Promise<Parser> {
		await Parser.init();
		const wasm = createRequire(import.meta.url).resolve('tree-sitter-powershell/tree-sitter-powershell.wasm');
		const parser = new Parser();
		parser.setLanguage(await Language.load(wasm));
		return parser;
	}

	it('parses as PowerShell without a syntax error, while a broken copy does not', async () => {
		const parser = await powershellParser();
		const script = kit.find((f) => f.name === 'install-mods.ps1')?.content ?? '';
		expect(script).toContain('Invoke-WebRequest');
		expect(parser.parse(script)?.rootNode.hasError).toBe(false);
		expect(
			parser.parse(script.replace('foreach ($mod in $mods) {', 'foreach ($mod in $mods {'))?.rootNode.hasError,
		).toBe(true);
	});

	it('carries the kit and no credential', () => {
		const script = kit.find((f) => f.name === 'install-mods.ps1')?.content ?? '';
		for (const entry of lock.mods) expect(script).toContain(`|${entry.file_name}|${entry.sha1}|`);
		expect(script).not.toContain(ACCOUNT.token);
	});
});
