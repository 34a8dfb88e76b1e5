/* The fake Discord lives in ./fakeDiscord/ (see ./fakeDiscord/index.ts); this file keeps the `./fakeDiscord.js` imports. */
export * from './fakeDiscord/index.js';
