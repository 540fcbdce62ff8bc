/* backup: a SQLite database copied whole with SQLite's online backup API,
 * while servers go on reading and writing it.
 *
 * The copy is one consistent moment of the database: a read transaction
 * held on the source for the whole copy pins the snapshot (WAL lets the
 * writers go on meanwhile). It is written to a temporary file beside the
 * destination, checked, synced, and renamed over it, so the destination is
 * never half written. Only the database is copied: never the key file,
 * nor the audit chain's head file beside it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Called as pages are copied: done of total pages so far. */
typedef void db_copy_progress(void *arg, int done, int total);

/* The file path of a SQLite URL ("sqlite:PATH" or PATH); NULL for a
 * PostgreSQL URL. */
const char *db_sqlite_path(const char *url);

/* Copy the SQLite database src to a new file dest as one snapshot, as a
 * single file (journal mode DELETE), mode 0600. An existing dest is
 * refused (ERR_EXISTS) unless replace. ERR_NOTFOUND when src is missing,
 * ERR_INVAL when it is not a SQLite database; a message for the person in
 * errmsg on every failure. */
int db_copy_file(const char *src, const char *dest, bool replace, db_copy_progress *progress, void *arg, char *errmsg,
                 size_t errsize);

/* A new temporary file name in path's directory, made (empty, mode 0600)
 * so that no one else takes it: "PATH.tmp-XXXXXX". Caller frees. */
int db_temp_beside(const char *path, char **ret);

/* Remove a SQLite database file and its -wal, -shm and -journal files
 * (those that exist). */
void db_remove_files(const char *path);

/* Is the SQLite database at path in use by a connection of any process?
 * ERR_BUSY when it is; 0 when not (and its WAL, if any, is then folded
 * into it and removed). ERR_NOTFOUND when there is no such file. */
int db_file_idle(const char *path, char *errmsg, size_t errsize);

/* Put the file tmp in place of path (rename, then sync the directory),
 * removing path's stale -wal and -shm first. */
int db_file_replace(const char *tmp, const char *path, char *errmsg, size_t errsize);
