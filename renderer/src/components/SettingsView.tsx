/**
 * Settings: which backend (embedded or remote URL + token), concurrency, bandwidth limit or
 * timetable, start at login, pause on battery.
 */
import { useEffect, useId, useState } from 'react';
import type { Settings } from '../../../shared/engine-api.ts';
import { parseBwSchedule } from '../../../shared/bwlimit.ts';
import { useConnection, useFerry } from '../store/context.ts';

const mb = 1_000_000;

export function SettingsView() {
  const settings = useFerry((s) => s.settings);
  const save = useFerry((s) => s.saveSettings);
  const { kind } = useConnection();
  const [draft, setDraft] = useState<Settings | null>(settings);
  const [limitMb, setLimitMb] = useState('0');
  const ids = { mode: useId(), url: useId(), token: useId(), conc: useId(), parts: useId(), limit: useId(), table: useId(), tableHelp: useId(), login: useId(), battery: useId() };

  useEffect(() => {
    setDraft(settings);
    if (settings) setLimitMb(String(settings.bandwidthLimit / mb));
  }, [settings]);

  if (!draft) return <div className="view"><p className="muted">Loading settings…</p></div>;
  const remote = draft.backend.mode === 'remote' ? draft.backend : null;
  // The same parser the engine and `--bwlimit` use: a table is checked as it is typed.
  let tableError = '';
  try {
    parseBwSchedule(draft.bandwidthSchedule);
  } catch (err) {
    tableError = (err as Error).message;
  }

  return (
    <div className="view">
      <header className="view-head">
        <h1>Settings</h1>
      </header>
      <form
        className="card settings"
        onSubmit={(e) => {
          e.preventDefault();
          const limit = Number(limitMb);
          if (!Number.isFinite(limit) || limit < 0 || tableError) return;
          void save({ ...draft, bandwidthLimit: Math.round(limit * mb) });
        }}
      >
        <fieldset>
          <legend>Backend</legend>
          <label>
            <input type="radio" name={ids.mode} checked={!remote} onChange={() => setDraft({ ...draft, backend: { mode: 'embedded' } })} /> Embedded on this
            machine <span className="muted">(no AWS account needed)</span>
          </label>
          <label>
            <input
              type="radio"
              name={ids.mode}
              checked={!!remote}
              onChange={() => setDraft({ ...draft, backend: { mode: 'remote', apiUrl: '', token: '' } })}
            />{' '}
            Remote (deployed to AWS, or another machine)
          </label>
          {remote ? (
            <div className="indent">
              <div className="field">
                <label htmlFor={ids.url}>API URL</label>
                <input
                  id={ids.url}
                  type="url"
                  required
                  placeholder="https://abc123.execute-api.eu-west-1.amazonaws.com"
                  value={remote.apiUrl}
                  onChange={(e) => setDraft({ ...draft, backend: { ...remote, apiUrl: e.target.value } })}
                />
              </div>
              <div className="field">
                <label htmlFor={ids.token}>API token</label>
                <input
                  id={ids.token}
                  type="password"
                  autoComplete="off"
                  // The engine never sends a saved token back; empty keeps it (shared/engine-api.ts Settings).
                  placeholder={remote.tokenSet ? 'saved (leave empty to keep it)' : ''}
                  value={remote.token}
                  onChange={(e) => setDraft({ ...draft, backend: { ...remote, token: e.target.value } })}
                />
                <span className="muted small">{kind === 'desktop' ? 'Stored encrypted with your system keychain.' : 'Stored in the data directory of the machine running ferry serve.'}</span>
              </div>
            </div>
          ) : null}
          {kind === 'browser' ? (
            <span className="muted small">A backend change takes effect the next time <code>ferry serve</code> starts.</span>
          ) : null}
        </fieldset>
        <fieldset>
          <legend>Transfers</legend>
          <div className="field">
            <label htmlFor={ids.conc}>Files at once</label>
            <input id={ids.conc} type="number" min={1} max={64} value={draft.concurrency} onChange={(e) => setDraft({ ...draft, concurrency: Number(e.target.value) })} />
          </div>
          <div className="field">
            <label htmlFor={ids.parts}>Parts at once per large file</label>
            <input id={ids.parts} type="number" min={1} max={64} value={draft.partConcurrency} onChange={(e) => setDraft({ ...draft, partConcurrency: Number(e.target.value) })} />
          </div>
          <div className="field">
            <label htmlFor={ids.limit}>Bandwidth limit (MB/s, 0 for none)</label>
            <input id={ids.limit} type="number" min={0} step="any" value={limitMb} onChange={(e) => setLimitMb(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor={ids.table}>Bandwidth timetable (optional; replaces the limit above)</label>
            <input
              id={ids.table}
              type="text"
              spellCheck={false}
              placeholder="08:00,512k 19:00,off"
              aria-invalid={tableError ? true : undefined}
              aria-describedby={ids.tableHelp}
              value={draft.bandwidthSchedule}
              onChange={(e) => setDraft({ ...draft, bandwidthSchedule: e.target.value })}
            />
            <span id={ids.tableHelp} className={tableError ? 'small danger' : 'muted small'} role={tableError ? 'alert' : undefined}>
              {tableError || 'As rclone writes it: from 08:00 at 512 KiB/s, unlimited from 19:00. Days work too: Mon-08:00,1M Sat-00:00,off.'}
            </span>
          </div>
        </fieldset>
        <fieldset>
          <legend>System</legend>
          <label>
            <input id={ids.login} type="checkbox" checked={draft.startAtLogin} disabled={kind !== 'desktop'} onChange={(e) => setDraft({ ...draft, startAtLogin: e.target.checked })} /> Start
            Ferry when I log in {kind !== 'desktop' ? <span className="muted">(desktop app only)</span> : null}
          </label>
          <label>
            <input id={ids.battery} type="checkbox" checked={draft.pauseOnBattery} disabled={kind !== 'desktop'} onChange={(e) => setDraft({ ...draft, pauseOnBattery: e.target.checked })} /> Pause
            uploads while on battery power {kind !== 'desktop' ? <span className="muted">(desktop app only)</span> : null}
          </label>
        </fieldset>
        <div className="row end">
          <button type="button" onClick={() => setDraft(settings)}>
            Revert
          </button>
          <button type="submit" className="primary" disabled={Boolean(tableError)}>
            Save settings
          </button>
        </div>
      </form>
    </div>
  );
}
