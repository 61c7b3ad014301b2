// Permission strings as the contract allows them (API.md: ^[a-z0-9_.:*-]{1,128}$).
export const PERMISSION = /^[a-z0-9_.:*-]{1,128}$/;

/** The permissions a person typed (one per line; commas and spaces also separate), deduplicated. */
export function parsePermissions(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).filter((p) => p.length > 0))];
}

/** The typed permissions the service would refuse. */
export function invalidPermissions(permissions: string[]): string[] {
  return permissions.filter((p) => !PERMISSION.test(p));
}
