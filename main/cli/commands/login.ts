/** `ferry login [--api URL]` and `ferry logout [--api URL]` (SPEC §6). */
import { fileCredentialStore, loginsFile } from '../../auth/credentials.ts';
import { login, logout, manualAuthConfig, openBrowser } from '../../auth/login.ts';
import { dataPaths, resolveDataDir } from '../../config/paths.ts';
import { loadSettings } from '../../engine/settings.ts';
import { EXIT, UsageError, guard } from '../common.ts';

export interface LoginFlags {
  api?: string;
  dataDir?: string;
  issuer?: string;
  clientId?: string;
  /** commander's `--no-browser` */
  browser?: boolean;
}

/** `--api`, else the remote API the data dir's settings name (the desktop app's Settings → Backend). */
function apiOf(flags: LoginFlags): string {
  if (flags.api) return flags.api;
  const settings = loadSettings(dataPaths(resolveDataDir(flags.dataDir)).settings);
  if (settings.backend.mode === 'remote' && settings.backend.apiUrl) return settings.backend.apiUrl;
  // The embedded backend has its own token and nothing to sign in to.
  throw new UsageError('login needs the deployed API: --api URL (or FERRY_API_URL); the embedded backend needs no login');
}

/** Runs `ferry login`. */
export async function runLogin(flags: LoginFlags): Promise<never> {
  return guard(async () => {
    const apiUrl = apiOf(flags);
    if (Boolean(flags.issuer) !== Boolean(flags.clientId)) throw new UsageError('--issuer and --client-id go together');
    const dataDir = resolveDataDir(flags.dataDir);
    const store = fileCredentialStore(dataDir);
    const { subject } = await login({
      apiUrl,
      store,
      ...(flags.issuer && flags.clientId ? { config: manualAuthConfig(flags.issuer, flags.clientId) } : {}),
      present: (url) => {
        const opened = flags.browser !== false && openBrowser(url);
        // stderr: the URL is for a person; stdout stays free for scripts.
        console.error(opened ? `Opened your browser to sign in. If it did not open, visit:\n\n  ${url}\n` : `To sign in, open this URL in a browser on this machine:\n\n  ${url}\n`);
        console.error('Waiting for the browser to come back...');
      },
    });
    console.log(`Signed in to ${apiUrl}${subject ? ` as ${subject}` : ''}. The login is saved in ${loginsFile(dataDir)} (mode 0600) and renews itself; \`ferry logout\` ends it.`);
    return EXIT.ok;
  });
}

/** Runs `ferry logout`. */
export async function runLogout(flags: LoginFlags): Promise<never> {
  return guard(async () => {
    const apiUrl = apiOf(flags);
    const result = await logout(apiUrl, fileCredentialStore(resolveDataDir(flags.dataDir)));
    if (!result.found) {
      console.log(`Not signed in to ${apiUrl}.`);
      return EXIT.ok;
    }
    if (result.warning) console.error(`ferry: ${result.warning}`);
    console.log(`Signed out of ${apiUrl}${result.revoked ? '; the login was revoked at the server' : ''}.`);
    return result.revoked ? EXIT.ok : EXIT.failed;
  });
}
