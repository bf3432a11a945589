import Database from 'better-sqlite3';

/** Opens a connection with the settings every connection of the store uses. */
export function openConnection(path: string): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('cache_size = -65536');
  db.pragma('temp_store = MEMORY');
  // An erased value must not linger in free pages of the file.
  db.pragma('secure_delete = ON');
  return db;
}
