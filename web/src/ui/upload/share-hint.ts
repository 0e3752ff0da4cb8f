/**
 * What to tell a member about sharing photos into the app from another app (the gallery's Share
 * button). Android's Chrome takes the installed app's share target; iOS and iPadOS do not let a
 * web app be a share target at all (no browser there can), so the member is told plainly to use
 * Add photos instead of looking for Family Vault in the share sheet.
 */
export interface Platform { userAgent: string; platform?: string; maxTouchPoints?: number }

export function isAppleMobile(p: Platform): boolean {
  // iPadOS reports itself as a Mac; only its touch screen gives it away.
  return /iPhone|iPad|iPod/.test(p.userAgent) || (p.platform === 'MacIntel' && (p.maxTouchPoints ?? 0) > 1);
}

export function shareHint(p: Platform): { id: string; text: string } | undefined {
  if (isAppleMobile(p)) {
    return { id: 'share-ios', text: "On iPhone and iPad, the Photos app's Share button cannot send to Family Vault (Apple does not allow it for web apps): tap Add photos and choose them from your library." };
  }
  if (/Android/.test(p.userAgent)) {
    return { id: 'share-android', text: "You can also send photos here from your gallery's Share button, once Family Vault is added to your home screen." };
  }
  return undefined;
}
