/** A Map store for keyv whose writes or reads can be made to fail, as a full disk or a locked database would. */
export class FlakyMap extends Map<string, unknown> {
	failWrites = false;
	failReads = false;

	override set(key: string, value: unknown): this {
		if (this.failWrites) throw new Error('SQLITE_FULL: database or disk is full');
		return super.set(key, value);
	}

	getMany(keys: string[]): unknown[] {
		if (this.failReads) throw new Error('SQLITE_BUSY: database is locked');
		return keys.map((key) => super.get(key));
	}
}
