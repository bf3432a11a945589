export { type KeyFile, defaultKeysDirectory, generateKeyFile, keyFilePath, readKeyFile } from './key-files.js';
