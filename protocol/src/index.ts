export * from './errors.ts';
export * from './domain.ts';
export * from './permissions.ts';
export * from './media.ts';
export * from './limits.ts';
export * from './events.ts';
export * from './rpc.ts';
export * from './rest.ts';
