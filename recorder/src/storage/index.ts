export { STORAGE_KEY_PATTERN, type ByteRange, type FileStore, type StoredObject } from './file-store.ts';
export { tooLarge } from './keys.ts';
export { LocalDirStore } from './local-store.ts';
export { S3Store, type S3StoreOptions } from './s3-store.ts';
export { createFileStore, loadStorageConfig, type StorageConfig } from './config.ts';
