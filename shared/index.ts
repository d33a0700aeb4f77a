export * from './api.ts';
export * from './errors.ts';
export * from './object-keys.ts';
export * from './mime.ts';
export * from './multipart.ts';
export * from './renditions.ts';
export * from './engine-api.ts';
