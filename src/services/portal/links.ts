/**
 * URLs of the mod portal's pages (portal-api.md, "Base URLs"). Names are case-sensitive and may contain spaces,
 * so they are always URL-encoded.
 */
export interface PortalLinks {
	/** Portal base, e.g. `https://mods.factorio.com`. */
	portalUrl: string;
	/** Assets base for thumbnails, e.g. `https://assets-mod.factorio.com`. */
	assetsUrl: string;
}

/** `https://mods.factorio.com/mod/{name}`. */
export function modUrl(links: PortalLinks, name: string): string {
	return `${links.portalUrl}/mod/${encodeURIComponent(name)}`;
}

/** `https://mods.factorio.com/mod/{name}/changelog`. */
export function changelogUrl(links: PortalLinks, name: string): string {
	return `${modUrl(links, name)}/changelog`;
}

/** `https://mods.factorio.com/user/{owner}`. */
export function ownerUrl(links: PortalLinks, owner: string): string {
	return `${links.portalUrl}/user/${encodeURIComponent(owner)}`;
}

/** Absolute thumbnail URL from the portal's relative path (absolute ones pass through); undefined when none. */
export function thumbnailUrl(links: PortalLinks, thumbnail: string | undefined): string | undefined {
	if (!thumbnail) return undefined;
	if (/^https?:\/\//.test(thumbnail)) return thumbnail;
	return `${links.assetsUrl}${thumbnail.startsWith('/') ? '' : '/'}${thumbnail}`;
}
