/** What a device that is no longer allowed in the family says, on Family and under Connected now. */
export const REVOKED_HERE = 'This device was revoked (or its member removed) on another of the family\'s devices, so it no longer syncs: new photos do not reach it, and what is added here reaches nobody. To use the vault here again, join it anew with an invite.';
