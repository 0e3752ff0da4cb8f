/** Which build of the app this is (vite.config.ts defines both; the harness and unit tests do not). */
declare const __FV_BUILD__: string | undefined;
declare const __FV_VERSION__: string | undefined;

export const BUILD_HASH: string = typeof __FV_BUILD__ === 'string' ? __FV_BUILD__ : 'development';
export const APP_VERSION: string = typeof __FV_VERSION__ === 'string' ? __FV_VERSION__ : '0.0.0';
