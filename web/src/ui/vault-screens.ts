/**
 * The screens of an open vault, loaded only once there is one: the welcome and unlock screens
 * (the first paint) do not download or compile the timeline, albums, viewer, members, devices
 * or settings. The service worker precaches this chunk with the rest, so it loads offline too.
 */
import './albums/fv-photos.ts';
import './devices/fv-devices.ts';
import './members/fv-members.ts';
import './settings/fv-storage.ts';
import './timeline/fv-timeline-screen.ts';
import './albums/fv-albums.ts';
import './upload/fv-shared-inbox.ts';
import './trash/fv-trash.ts';
