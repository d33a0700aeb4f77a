/**
 * The browser side of serve mode's `PUT /api/upload`. XMLHttpRequest rather than fetch: it reports
 * upload progress, and given a File it streams it from disk (the page never reads the bytes). The
 * token travels in the page's HttpOnly cookie, as for every other request of the page.
 */
import { serveRoutes } from '../../../shared/drop.ts';
import type { SendFn } from './uploader.ts';

/** Sends one dropped file to the engine that served the page. */
export const xhrSend: SendFn = (job, onBytes) =>
  new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    const query = new URLSearchParams({ batch: job.batch, path: job.path, album: job.albumId });
    xhr.open('PUT', `${serveRoutes.upload}?${query.toString()}`);
    xhr.setRequestHeader('content-type', 'application/octet-stream');
    xhr.upload.onprogress = (e) => onBytes(e.loaded);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) return resolve();
      let message = `Ferry answered ${xhr.status}.`;
      try {
        message = (JSON.parse(xhr.responseText) as { error: { message: string } }).error.message;
      } catch {
        // Not our JSON (a proxy's page, say): the status says enough.
      }
      reject(new Error(message));
    };
    xhr.onerror = () => reject(new Error('the connection to Ferry dropped while sending; drop it again'));
    xhr.send(job.file);
  });
