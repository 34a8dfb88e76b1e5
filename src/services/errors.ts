/**
 * An error whose message is meant for the person who used a command: the error boundary shows it as is, in an
 * ephemeral reply, and does not log it as a failure. Keep messages short and free of secrets.
 */
export class UserError extends Error {
	override readonly name = 'UserError';
}
