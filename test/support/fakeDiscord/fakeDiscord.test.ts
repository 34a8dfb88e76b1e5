import {
	ActionRowBuilder,
	ApplicationCommandOptionType,
	ButtonBuilder,
	ButtonStyle,
	ChannelType,
	Client,
	ComponentType,
	type ClientEvents,
	DiscordAPIError,
	Events,
	GatewayIntentBits,
	MessageFlags,
	PermissionFlagsBits,
	REST,
	Routes,
	type APIMessage,
	type APIThreadChannel,
	type RESTGetAPIChannelThreadsArchivedPublicResult,
	type RESTGetAPIGuildThreadsResult,
	type ChatInputCommandInteraction,
	type Interaction,
} from 'discord.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeDiscord } from './index.js';

let fake: FakeDiscord;
let client: Client<true>;
const extraClients: Client[] = [];
const extraFakes: FakeDiscord[] = [];

function nextEvent<E extends keyof ClientEvents>(target: Client, event: E): Promise<ClientEvents[E]> {
	return new Promise((resolve) => {
		target.once(event, (...args) => {
			resolve(args);
		});
	});
}

async function loggedInClient(server: FakeDiscord): Promise<Client<true>> {
	const bot = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: server.apiUrl } });
	const ready = nextEvent(bot, Events.ClientReady);
	await bot.login(server.token);
	const [readyClient] = await ready;
	return readyClient;
}

async function nextInteraction(): Promise<Interaction> {
	const [interaction] = await nextEvent(client, Events.InteractionCreate);
	return interaction;
}

async function nextChatInput(): Promise<ChatInputCommandInteraction> {
	const interaction = await nextInteraction();
	if (!interaction.isChatInputCommand()) throw new Error(`expected a chat input command, got type ${interaction.type}`);
	return interaction;
}

function sendable(channelId: string) {
	const channel = client.channels.cache.get(channelId);
	if (!channel?.isSendable()) throw new Error(`channel ${channelId} is not sendable`);
	return channel;
}

beforeEach(async () => {
	fake = await FakeDiscord.start();
	client = await loggedInClient(fake);
});

afterEach(async () => {
	await client.destroy();
	for (const extra of extraClients.splice(0)) await extra.destroy();
	await fake.close();
	for (const extra of extraFakes.splice(0)) await extra.close();
});

describe('FakeDiscord with the real discord.js Client', () => {
	it('caches the guild, its channels and permissions when the client becomes ready', () => {
		const guild = client.guilds.cache.get(fake.guildId);
		expect(guild?.available).toBe(true);
		expect(client.application.id).toBe(fake.applicationId);
		expect(client.user.id).toBe(fake.botUserId);
		const type = (id: string) => guild?.channels.cache.get(id)?.type;
		expect(type(fake.channels.text)).toBe(ChannelType.GuildText);
		expect(type(fake.channels.announcement)).toBe(ChannelType.GuildAnnouncement);
		expect(type(fake.channels.forum)).toBe(ChannelType.GuildForum);
		expect(type(fake.channels.thread)).toBe(ChannelType.PublicThread);

		const me = guild!.members.me!;
		const perms = (id: string) => guild!.channels.cache.get(id)!.permissionsFor(me);
		expect(perms(fake.channels.text).has([PermissionFlagsBits.SendMessages, PermissionFlagsBits.EmbedLinks])).toBe(
			true,
		);
		expect(perms(fake.channels.text).has(PermissionFlagsBits.MentionEveryone)).toBe(false);
		expect(perms(fake.channels.thread).has(PermissionFlagsBits.SendMessagesInThreads)).toBe(true);
		expect(perms(fake.channels.noAccess).has(PermissionFlagsBits.ViewChannel)).toBe(false);
		expect(perms(fake.channels.noAccess).has(PermissionFlagsBits.SendMessages)).toBe(false);
		const admin = guild!.channels.cache.get(fake.channels.text)!.permissionsFor(fake.adminUserId);
		expect(admin?.has(PermissionFlagsBits.ManageChannels)).toBe(true);
	});

	it('registers guild commands and puts their ids into interactions when commands.set is called', async () => {
		const commands = await client.application.commands.set(
			[
				{
					name: 'mod',
					description: 'Look up a mod',
					options: [
						{
							type: ApplicationCommandOptionType.Subcommand,
							name: 'info',
							description: 'Show a mod',
							options: [
								{ type: ApplicationCommandOptionType.String, name: 'name', description: 'Mod', required: true },
							],
						},
					],
				},
			],
			fake.guildId,
		);
		const put = await fake.waitFor(
			(r) => r.method === 'PUT' && r.path === `/applications/${fake.applicationId}/guilds/${fake.guildId}/commands`,
		);
		expect(put.json<{ name: string }[]>().map((c) => c.name)).toEqual(['mod']);

		const received = nextChatInput();
		await fake.chatInput({ name: 'mod', subcommand: 'info', options: { name: 'flib' } });
		const interaction = await received;
		expect(interaction.commandId).toBe(commands.first()?.id);
		expect(interaction.commandGuildId).toBe(fake.guildId);
	});

	it('rejects a registration with 50035 when a description exceeds 100 characters', async () => {
		const error: unknown = await client.application.commands
			.set([{ name: 'mod', description: 'x'.repeat(101) }], fake.guildId)
			.catch((e: unknown) => e);
		expect(error).toBeInstanceOf(DiscordAPIError);
		expect(error).toMatchObject({ code: 50035, status: 400 });
	});

	it('delivers subcommand, options and user and records an ephemeral reply when a chat input is dispatched', async () => {
		const received = nextChatInput();
		const { id } = await fake.chatInput({
			name: 'subscribe',
			subcommand: 'add',
			options: { name: 'flib', count: 3, ping: true, channel: fake.channels.announcement },
			user: 'admin',
		});
		const interaction = await received;
		expect(interaction.id).toBe(id);
		expect(interaction.options.getSubcommandGroup()).toBeNull();
		expect(interaction.options.getSubcommand()).toBe('add');
		expect(interaction.options.getString('name')).toBe('flib');
		expect(interaction.options.getInteger('count')).toBe(3);
		expect(interaction.options.getBoolean('ping')).toBe(true);
		expect(interaction.options.getChannel('channel')?.id).toBe(fake.channels.announcement);
		expect(interaction.user.id).toBe(fake.adminUserId);
		expect(interaction.memberPermissions?.has(PermissionFlagsBits.ManageChannels)).toBe(true);
		expect(interaction.appPermissions.has(PermissionFlagsBits.SendMessages)).toBe(true);

		await interaction.reply({ content: 'Subscribed.', flags: MessageFlags.Ephemeral });
		const callback = await fake.interactionResponse(id);
		expect(callback.status).toBe(204);
		expect(callback.query.get('with_response')).toBe('false');
		expect(await fake.interactionReply(id)).toEqual({
			type: 4,
			data: expect.objectContaining({ content: 'Subscribed.', flags: MessageFlags.Ephemeral }) as unknown,
		});
	});

	it('gives a member no Manage Channels and the bot no send permission when the channel denies the bot', async () => {
		const received = nextChatInput();
		await fake.chatInput({ name: 'mod', channelId: fake.channels.noAccess });
		const interaction = await received;
		expect(interaction.user.id).toBe(fake.memberUserId);
		expect(interaction.memberPermissions?.has(PermissionFlagsBits.ManageChannels)).toBe(false);
		expect(interaction.appPermissions.has(PermissionFlagsBits.SendMessages)).toBe(false);
		await interaction.reply('ok');
	});

	it('returns the callback resource when the reply asks withResponse', async () => {
		const received = nextChatInput();
		const { id } = await fake.chatInput({ name: 'mod' });
		const interaction = await received;
		const response = await interaction.reply({ content: 'flib 0.16.3', withResponse: true });
		expect(response.resource?.message?.content).toBe('flib 0.16.3');
		expect(response.interaction.id).toBe(id);
		expect(fake.replyMessage(id)?.id).toBe(response.resource?.message?.id);
	});

	it('reports the edited message as the reply when the bot defers and then edits', async () => {
		const received = nextChatInput();
		const { id } = await fake.chatInput({ name: 'mod', subcommand: 'search', options: { query: 'rail' } });
		const interaction = await received;
		await interaction.deferReply();
		const edited = await interaction.editReply({ content: 'Found 2 mods', embeds: [{ title: 'Rail mods' }] });
		expect(edited.content).toBe('Found 2 mods');
		const reply = await fake.interactionReply(id);
		expect(reply.type).toBe(5);
		expect(reply.data).toMatchObject({ content: 'Found 2 mods', embeds: [{ title: 'Rail mods' }] });
		expect(fake.replyMessage(id)?.flags).toBe(0);
	});

	it('answers 40060 when an interaction is acknowledged twice through REST', async () => {
		const received = nextChatInput();
		const { id, token } = await fake.chatInput({ name: 'mod' });
		await (await received).reply('first');
		const error: unknown = await client.rest
			.post(Routes.interactionCallback(id, token), { body: { type: 4, data: { content: 'second' } }, auth: false })
			.catch((e: unknown) => e);
		expect(error).toMatchObject({ code: 40060, status: 400 });
	});

	it('records autocomplete choices when the bot responds', async () => {
		const received = nextInteraction();
		const { id } = await fake.autocomplete({
			name: 'mod',
			subcommand: 'info',
			options: { name: 'fl' },
			focused: 'name',
		});
		const interaction = await received;
		if (!interaction.isAutocomplete()) throw new Error('expected autocomplete');
		expect(interaction.options.getSubcommand()).toBe('info');
		expect(interaction.options.getFocused(true)).toMatchObject({ name: 'name', value: 'fl' });
		await interaction.respond([{ name: 'Flib', value: 'flib' }]);
		expect(await fake.interactionReply(id)).toEqual({ type: 8, data: { choices: [{ name: 'Flib', value: 'flib' }] } });
	});

	it('updates the reply when a button on it is clicked', async () => {
		const receivedCommand = nextChatInput();
		const command = await fake.chatInput({ name: 'mod', subcommand: 'search', options: { query: 'rail' } });
		const button = new ButtonBuilder().setCustomId('search:page:2').setLabel('Next').setStyle(ButtonStyle.Primary);
		await (
			await receivedCommand
		).reply({
			content: 'page 1',
			components: [new ActionRowBuilder<ButtonBuilder>().addComponents(button)],
		});
		await fake.interactionResponse(command.id);

		const receivedClick = nextInteraction();
		const click = await fake.component({ customId: 'search:page:2', componentType: 2, fromInteraction: command.id });
		const interaction = await receivedClick;
		if (!interaction.isButton()) throw new Error('expected a button');
		expect(interaction.customId).toBe('search:page:2');
		expect(interaction.message.id).toBe(fake.replyMessage(command.id)?.id);
		expect(interaction.message.interactionMetadata?.user.id).toBe(fake.memberUserId);
		await interaction.update({ content: 'page 2' });
		expect((await fake.interactionReply(click.id)).type).toBe(7);
		expect(fake.replyMessage(command.id)?.content).toBe('page 2');
	});

	it('creates one message when the same enforced nonce is sent twice', async () => {
		const channel = sendable(fake.channels.text);
		const options = { content: 'flib 0.16.3 released', nonce: 'flib@0.16.3', enforceNonce: true };
		const first = await channel.send(options);
		const second = await channel.send(options);
		expect(second.id).toBe(first.id);
		expect(fake.messages(fake.channels.text)).toHaveLength(2);
		expect(fake.createdMessages(fake.channels.text).map((m) => m.content)).toEqual(['flib 0.16.3 released']);
		expect(first.author.id).toBe(fake.botUserId);
	});

	it('records the payload and file parts when a message carries an attachment', async () => {
		const message = await sendable(fake.channels.text).send({
			content: 'changelog attached',
			files: [{ attachment: Buffer.from('Version: 0.16.3\n'), name: 'changelog.txt' }],
		});
		const [request] = fake.messages(fake.channels.text);
		expect(request?.json<{ content: string }>().content).toBe('changelog attached');
		expect(request?.files).toEqual([expect.objectContaining({ filename: 'changelog.txt', size: 16 })]);
		expect(message.attachments.first()?.name).toBe('changelog.txt');
	});

	it('surfaces an injected 403 as DiscordAPIError 50013 when a send is faulted', async () => {
		fake.injectFault({
			method: 'POST',
			path: /^\/channels\/\d+\/messages$/,
			status: 403,
			body: { code: 50013, message: 'Missing Permissions' },
		});
		const error: unknown = await sendable(fake.channels.text)
			.send('hello')
			.catch((e: unknown) => e);
		expect(error).toBeInstanceOf(DiscordAPIError);
		expect(error).toMatchObject({ code: 50013, status: 403 });
		expect(fake.createdMessages(fake.channels.text)).toEqual([]);
		expect((await sendable(fake.channels.text).send('again')).content).toBe('again');
	});

	it('refuses a link button to javascript: and a relative thumbnail with 50035 and the errors tree', async () => {
		const error: unknown = await sendable(fake.channels.text)
			.send({
				embeds: [{ title: 't', thumbnail: { url: '/assets/x.thumb.png' } }],
				components: [
					{
						type: ComponentType.ActionRow,
						components: [
							{ type: ComponentType.Button, style: ButtonStyle.Link, label: 'Source', url: 'javascript:alert(1)' },
						],
					},
				],
			})
			.catch((e: unknown) => e);
		expect(error).toBeInstanceOf(DiscordAPIError);
		expect(error).toMatchObject({
			code: 50035,
			status: 400,
			rawError: {
				errors: {
					embeds: { 0: { thumbnail: { url: { _errors: [{ code: 'URL_TYPE_INVALID_URL' }] } } } },
					components: { 0: { components: { 0: { url: { _errors: [{ code: 'URL_TYPE_INVALID_SCHEME' }] } } } } },
				},
			},
		});
		expect(fake.createdMessages(fake.channels.text)).toEqual([]);
	});

	it('answers 50001 Missing Access when the bot posts where it cannot view', async () => {
		const error: unknown = await sendable(fake.channels.noAccess)
			.send('hello')
			.catch((e: unknown) => e);
		expect(error).toMatchObject({ code: 50001, status: 403 });
	});

	it('creates a forum post and crossposts an announcement when asked', async () => {
		const forum = client.channels.cache.get(fake.channels.forum);
		if (forum?.type !== ChannelType.GuildForum) throw new Error('expected the forum');
		const thread = await forum.threads.create({
			name: 'flib 0.16.3',
			message: { content: 'Changelog: fixes' },
			appliedTags: [fake.guilds[0]!.forumTags.release],
		});
		expect(thread.parentId).toBe(fake.channels.forum);
		expect(fake.createdMessages(thread.id).map((m) => m.content)).toEqual(['Changelog: fixes']);

		const message = await sendable(fake.channels.announcement).send('flib 0.16.3 released');
		expect(message.crosspostable).toBe(true);
		await message.crosspost();
		expect(fake.createdMessages(fake.channels.announcement).map((m) => m.flags)).toEqual([MessageFlags.Crossposted]);
	});

	it('removes the channel from the cache and answers 10003 when CHANNEL_DELETE is dispatched', async () => {
		const deleted = nextEvent(client, Events.ChannelDelete);
		fake.dispatch('CHANNEL_DELETE', fake.channelPayload(fake.channels.announcement));
		const [channel] = await deleted;
		expect(channel.id).toBe(fake.channels.announcement);
		expect(client.channels.cache.has(fake.channels.announcement)).toBe(false);
		const error: unknown = await client.rest
			.post(Routes.channelMessages(fake.channels.announcement), { body: { content: 'x' } })
			.catch((e: unknown) => e);
		expect(error).toMatchObject({ code: 10003, status: 404 });
	});

	it('still delivers interactions after the gateway drops and the client resumes', async () => {
		const resumed = nextEvent(client, Events.ShardResume);
		fake.dropGateway();
		await resumed;
		const received = nextChatInput();
		await fake.chatInput({ name: 'mod' });
		expect((await received).commandName).toBe('mod');
	});

	it('rejects login with TokenInvalid when the token is wrong', async () => {
		const bad = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: fake.apiUrl } });
		extraClients.push(bad);
		await expect(bad.login('wrong-token')).rejects.toMatchObject({ code: 'TokenInvalid' });
		expect(fake.requestsTo('GET', /^\/gateway\/bot$/).map((r) => r.status)).toContain(401);
	});

	it('answers 429 over the global limit and discord.js retries when rateLimitPerSecond is set', async () => {
		const limited = await FakeDiscord.start({ rateLimitPerSecond: 1 });
		extraFakes.push(limited);
		const bot = await loggedInClient(limited);
		extraClients.push(bot);
		const channel = bot.channels.cache.get(limited.channels.text);
		if (!channel?.isSendable()) throw new Error('expected a text channel');
		await Promise.all([channel.send('one'), channel.send('two')]);
		expect(limited.createdMessages(limited.channels.text)).toHaveLength(2);
		const statuses = limited.messages(limited.channels.text).map((r) => r.status);
		expect(statuses).toContain(429);
	});

	it('answers 10062 Unknown interaction when the first answer comes after the deadline', async () => {
		const strict = await FakeDiscord.start({ interactionDeadlineMs: 50 });
		extraFakes.push(strict);
		const bot = await loggedInClient(strict);
		extraClients.push(bot);
		const received = nextEvent(bot, Events.InteractionCreate);
		const { id } = await strict.chatInput({ name: 'mod' });
		const [interaction] = await received;
		if (!interaction.isChatInputCommand()) throw new Error('expected a chat input command');
		await new Promise((resolve) => setTimeout(resolve, 120));
		await expect(interaction.deferReply()).rejects.toMatchObject({ code: 10062, status: 404 });
		expect((await strict.interactionResponse(id)).status).toBe(404);
	});

	it('enforces Discord’s 3-second deadline by default and accepts late answers when told not to', async () => {
		const lenient = await FakeDiscord.start({ interactionDeadlineMs: false });
		extraFakes.push(lenient);
		const bot = await loggedInClient(lenient);
		extraClients.push(bot);
		const received = nextEvent(bot, Events.InteractionCreate);
		const { id } = await lenient.chatInput({ name: 'mod' });
		const [interaction] = await received;
		if (!interaction.isChatInputCommand()) throw new Error('expected a chat input command');
		await new Promise((resolve) => setTimeout(resolve, 120));
		await interaction.reply('late but accepted');
		expect((await lenient.interactionResponse(id)).status).toBe(204);

		// The default fake (beforeEach) enforces 3,000 ms: a callback stamped 3.1 s after the dispatch is refused.
		const { id: lateId, token } = await fake.chatInput({ name: 'mod' });
		const realNow = Date.now;
		Date.now = () => realNow() + 3_100;
		try {
			const error: unknown = await client.rest
				.post(Routes.interactionCallback(lateId, token), { body: { type: 5 }, auth: false })
				.catch((e: unknown) => e);
			expect(error).toMatchObject({ code: 10062, status: 404 });
		} finally {
			Date.now = realNow;
		}
	});
});

describe('FakeDiscord for feed delivery: nonce window, history, active threads, crashes mid-request', () => {
	const messagesRoute = /^\/channels\/\d+\/messages$/;
	const threadsRoute = /^\/channels\/\d+\/threads$/;
	const rest = (timeout = 15_000) => new REST({ api: fake.apiUrl, retries: 0, timeout }).setToken(fake.token);
	const post = (channelId: string, body: object) =>
		rest().post(Routes.channelMessages(channelId), { body }) as Promise<APIMessage>;

	it('forgets an enforced nonce once its five-minute window has passed on the fake’s clock', async () => {
		const send = () => post(fake.channels.text, { content: 'flib 0.16.3', nonce: 'n1', enforce_nonce: true });
		const first = await send();
		fake.passTime(5 * 60_000 - 1_000);
		expect((await send()).id).toBe(first.id);
		fake.passTime(1_000);
		expect((await send()).id).not.toBe(first.id);
		expect(fake.createdMessages(fake.channels.text)).toHaveLength(2);
	});

	it('lists history newest first by limit and before, without the nonce, when GET messages is asked', async () => {
		const sent: APIMessage[] = [];
		for (let n = 0; n < 5; n++) sent.push(await post(fake.channels.text, { content: `m${n}`, nonce: `n${n}` }));
		expect(sent[0]?.nonce).toBe('n0');
		const page = (query: Record<string, string>) =>
			rest().get(Routes.channelMessages(fake.channels.text), { query: new URLSearchParams(query) }) as Promise<
				APIMessage[]
			>;
		expect((await page({ limit: '2' })).map((m) => m.content)).toEqual(['m4', 'm3']);
		expect((await page({ limit: '2', before: sent[3]!.id })).map((m) => m.content)).toEqual(['m2', 'm1']);
		expect((await page({ after: sent[2]!.id })).map((m) => m.content)).toEqual(['m4', 'm3']);
		expect((await page({})).every((m) => !('nonce' in m))).toBe(true);
		const one = (await rest().get(Routes.channelMessage(fake.channels.text, sent[0]!.id))) as APIMessage;
		expect(one.nonce).toBeUndefined();
		const error: unknown = await page({ limit: '101' }).catch((e: unknown) => e);
		expect(error).toMatchObject({ status: 400, code: 50035 });
	});

	it('answers an empty history when the bot lacks Read Message History', async () => {
		await post(fake.channels.text, { content: 'm0' });
		const payload = fake.channelPayload(fake.channels.text);
		payload.permission_overwrites = [
			{ id: fake.botUserId, type: 1, allow: '0', deny: PermissionFlagsBits.ReadMessageHistory.toString() },
		];
		fake.dispatch('CHANNEL_UPDATE', payload);
		expect(await rest().get(Routes.channelMessages(fake.channels.text))).toEqual([]);
	});

	it('lists the bot’s forum post among the active threads and serves its starter message', async () => {
		const thread = (await rest().post(Routes.threads(fake.channels.forum), {
			body: {
				name: 'flib 0.16.3',
				message: { content: 'released', embeds: [{ title: 't', footer: { text: 'ref x' } }] },
			},
		})) as APIThreadChannel;
		const active = (await rest().get(Routes.guildActiveThreads(fake.guildId))) as RESTGetAPIGuildThreadsResult;
		const listed = active.threads.find((t) => t.id === thread.id);
		expect(listed).toMatchObject({ parent_id: fake.channels.forum, owner_id: fake.botUserId });
		expect(active.threads.map((t) => t.id)).toContain(fake.channels.thread);
		expect(active.members).toEqual([expect.objectContaining({ id: thread.id, user_id: fake.botUserId })]);
		const starter = (await rest().get(Routes.channelMessage(thread.id, thread.id))) as APIMessage;
		expect(starter.embeds[0]?.footer?.text).toBe('ref x');
		const posts = fake.forumPosts(fake.channels.forum);
		expect(posts.map((p) => [p.thread.id, p.message?.id])).toEqual([[thread.id, thread.id]]);
	});

	it('lists a forum post archived by THREAD_UPDATE among the archived public threads, not the active ones', async () => {
		const start = (name: string) =>
			rest().post(Routes.threads(fake.channels.forum), {
				body: { name, message: { content: name } },
			}) as Promise<APIThreadChannel>;
		const [older, newer] = [await start('older'), await start('newer')];
		const archive = (thread: APIThreadChannel, at: string) => {
			const payload = fake.channelPayload(thread.id) as { thread_metadata: Record<string, unknown> };
			payload.thread_metadata.archived = true;
			payload.thread_metadata.archive_timestamp = at;
			fake.dispatch('THREAD_UPDATE', payload);
		};
		archive(older, '2026-01-01T00:00:00.000Z');
		archive(newer, '2026-01-02T00:00:00.000Z');
		const archived = (query: Record<string, string>) =>
			rest().get(Routes.channelThreads(fake.channels.forum, 'public'), {
				query: new URLSearchParams(query),
			}) as Promise<RESTGetAPIChannelThreadsArchivedPublicResult>;
		const all = await archived({});
		expect(all.threads.map((t) => t.id)).toEqual([newer.id, older.id]);
		expect(all.has_more).toBe(false);
		const page = await archived({ limit: '2', before: '2026-01-02T00:00:00.000Z' });
		expect(page.threads.map((t) => t.id)).toEqual([older.id]);
		const active = (await rest().get(Routes.guildActiveThreads(fake.guildId))) as RESTGetAPIGuildThreadsResult;
		expect(active.threads.map((t) => t.id)).not.toContain(older.id);
	});

	it('creates the message but never answers when a drop or hang fault follows handling', async () => {
		fake.injectFault({ method: 'POST', path: messagesRoute, connection: 'drop', afterHandling: true });
		const dropped: unknown = await post(fake.channels.text, { content: 'dropped' }).catch((e: unknown) => e);
		expect(dropped).toBeInstanceOf(Error);
		expect(dropped).not.toBeInstanceOf(DiscordAPIError);
		fake.injectFault({ method: 'POST', path: messagesRoute, connection: 'hang', afterHandling: true });
		const hung: unknown = await rest(200)
			.post(Routes.channelMessages(fake.channels.text), { body: { content: 'hung' } })
			.catch((e: unknown) => e);
		expect(hung).toMatchObject({ name: 'AbortError' });
		expect(fake.createdMessages(fake.channels.text).map((m) => m.content)).toEqual(['dropped', 'hung']);
		expect(fake.messages(fake.channels.text).map((r) => r.status)).toEqual([0, 0]);
	});

	it('opens a second forum post when discord.js retries a timed-out thread start by itself', async () => {
		// @discordjs/rest sends a request again after a timeout (and after ECONNRESET), `retries` times (default 3).
		// Discord slow to answer a forum post start means a second post, as the start has no nonce: the poster must
		// start forum posts with `retries: 0` and look for the post before trying again.
		fake.injectFault({ method: 'POST', path: threadsRoute, connection: 'hang', afterHandling: true });
		const defaults = new REST({ api: fake.apiUrl, timeout: 200 }).setToken(fake.token);
		await defaults.post(Routes.threads(fake.channels.forum), {
			body: { name: 'flib 0.16.3', message: { content: 'released' } },
		});
		expect(fake.forumPosts(fake.channels.forum)).toHaveLength(2);
	});
});
