// @vitest-environment happy-dom
/** Settings: the bandwidth timetable is checked as it is typed and saved as written; pause on battery is desktop-only. */
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { mountApp } from '../helpers/renderer-mount.tsx';
import { InMemoryFakeEngine } from './renderer-fake-engine.ts';

afterEach(cleanup);

const table = () => screen.getByLabelText('Bandwidth timetable (optional; replaces the limit above)');

describe('settings: bandwidth timetable and power', () => {
  it('refuses a timetable it cannot read, with the reason, and saves one it can', async () => {
    const fake = new InMemoryFakeEngine();
    await mountApp(fake, { view: 'settings', kind: 'desktop' });
    fireEvent.change(await screen.findByPlaceholderText('08:00,512k 19:00,off'), { target: { value: '08:00,fast' } });
    expect(screen.getByRole('alert').textContent).toBe('"fast" is not a rate (try 512k, 10M or off)');
    expect(table().getAttribute('aria-invalid')).toBe('true');
    expect((screen.getByRole('button', { name: 'Save settings' }) as HTMLButtonElement).disabled).toBe(true);

    fireEvent.change(table(), { target: { value: '08:00,512k 19:00,off' } });
    expect(table().getAttribute('aria-invalid')).toBeNull();
    fireEvent.click(screen.getByLabelText(/Pause uploads while on battery power/));
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    await screen.findByText('Settings saved.');
    expect(fake.settings).toMatchObject({ bandwidthSchedule: '08:00,512k 19:00,off', pauseOnBattery: true });
  });

  it('pause on battery is for the desktop app only', async () => {
    await mountApp(new InMemoryFakeEngine(), { view: 'settings', kind: 'browser' });
    const box = (await screen.findByLabelText(/Pause uploads while on battery power/)) as HTMLInputElement;
    expect(box.disabled).toBe(true);
    await waitFor(() => expect(box.parentElement?.textContent).toContain('(desktop app only)'));
  });
});
