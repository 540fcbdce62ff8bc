#include "db/backup.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/err.h"

/* Pages copied per step: 4 MiB at the usual 4 KiB page, a step of the
 * progress bar. */
#define STEP_PAGES 1024
#define BUSY_MS 10000

const char *db_sqlite_path(const char *url)
{
	if (strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0)
		return NULL;
	return strncmp(url, "sqlite:", 7) == 0 ? url + 7 : url;
}

int db_temp_beside(const char *path, char **ret)
{
	size_t n = strlen(path) + sizeof ".tmp-XXXXXX";
	char *t = malloc(n);
	if (!t)
		return ERR_NOMEM;
	snprintf(t, n, "%s.tmp-XXXXXX", path);
	int fd = mkstemp(t); /* mode 0600 */
	if (fd < 0) {
		free(t);
		return ERR_IO;
	}
	close(fd);
	*ret = t;
	return 0;
}

void db_remove_files(const char *path)
{
	static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
	char p[4096];
	for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
		int w = snprintf(p, sizeof p, "%s%s", path, suffix[i]);
		if (w > 0 && (size_t)w < sizeof p)
			unlink(p);
	}
}

static int fsync_path(const char *path, bool dir)
{
	int fd = open(path, (dir ? O_DIRECTORY : 0) | O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ERR_IO;
	int r = fsync(fd) == 0 ? 0 : ERR_IO;
	close(fd);
	return r;
}

static int fsync_dir_of(const char *path)
{
	char *copy = strdup(path);
	if (!copy)
		return ERR_NOMEM;
	int r = fsync_path(dirname(copy), true);
	free(copy);
	return r;
}

static int exec_text(sqlite3 *h, const char *sql, char *out, size_t size)
{
	sqlite3_stmt *st;
	out[0] = '\0';
	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK)
		return ERR_DB;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(out, size, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : rc == SQLITE_BUSY ? ERR_BUSY : ERR_DB;
}

static int open_existing(const char *path, sqlite3 **ret, char *errmsg, size_t errsize)
{
	struct stat sb;
	if (stat(path, &sb) < 0) {
		snprintf(errmsg, errsize, "%s: no such file", path);
		return ERR_NOTFOUND;
	}
	if (sqlite3_open_v2(path, ret, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(errmsg, errsize, "%s: %s", path, *ret ? sqlite3_errmsg(*ret) : "cannot open it");
		sqlite3_close_v2(*ret);
		*ret = NULL;
		return ERR_IO;
	}
	sqlite3_busy_timeout(*ret, BUSY_MS);
	return 0;
}

/* Copy every page of src (a read transaction is open on it) into dst. */
static int copy_pages(sqlite3 *src, sqlite3 *dst, db_copy_progress *progress, void *arg, char *errmsg, size_t errsize)
{
	sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
	if (!b) {
		snprintf(errmsg, errsize, "cannot start the copy: %s", sqlite3_errmsg(dst));
		return ERR_DB;
	}
	int rc;
	do {
		rc = sqlite3_backup_step(b, STEP_PAGES);
		if (progress) {
			int total = sqlite3_backup_pagecount(b);
			progress(arg, total - sqlite3_backup_remaining(b), total);
		}
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
			struct timespec ts = {0, 20 * 1000 * 1000};
			nanosleep(&ts, NULL);
		}
	} while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		snprintf(errmsg, errsize, "the copy stopped: %s", sqlite3_errstr(rc));
		return rc == SQLITE_NOTADB ? ERR_INVAL : ERR_DB;
	}
	return 0;
}

/* The copy made one file, whole: journal mode DELETE, and SQLite's own
 * check of every page and index. */
static int finish_copy(sqlite3 *dst, char *errmsg, size_t errsize)
{
	char out[256];
	if (exec_text(dst, "PRAGMA journal_mode=DELETE", out, sizeof out) < 0 || strcmp(out, "delete") != 0) {
		snprintf(errmsg, errsize, "cannot make the copy a single file: %s", sqlite3_errmsg(dst));
		return ERR_DB;
	}
	if (exec_text(dst, "PRAGMA quick_check", out, sizeof out) < 0 || strcmp(out, "ok") != 0) {
		snprintf(errmsg, errsize, "the copy does not pass SQLite's check: %s",
		         out[0] ? out : sqlite3_errmsg(dst));
		return ERR_DB;
	}
	return 0;
}

static int copy_into(const char *src_path, const char *tmp, db_copy_progress *progress, void *arg, char *errmsg,
                     size_t errsize)
{
	sqlite3 *src = NULL, *dst = NULL;
	int r = open_existing(src_path, &src, errmsg, errsize);
	if (r < 0)
		return r;
	char out[64];
	/* The read transaction pins one snapshot for every step of the copy,
	 * so writers elsewhere never make it start over. */
	if ((r = exec_text(src, "BEGIN", out, sizeof out)) < 0 ||
	    (r = exec_text(src, "SELECT count(*) FROM sqlite_schema", out, sizeof out)) < 0) {
		snprintf(errmsg, errsize, "%s: %s", src_path,
		         sqlite3_errcode(src) == SQLITE_NOTADB ? "not a hartline database (nor any SQLite database)"
		                                               : sqlite3_errmsg(src));
		r = sqlite3_errcode(src) == SQLITE_NOTADB ? ERR_INVAL : r;
		goto done;
	}
	if ((r = open_existing(tmp, &dst, errmsg, errsize)) < 0)
		goto done;
	if ((r = copy_pages(src, dst, progress, arg, errmsg, errsize)) < 0 ||
	    (r = finish_copy(dst, errmsg, errsize)) < 0)
		goto done;
done:
	if (src)
		sqlite3_exec(src, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close_v2(src);
	if (dst && sqlite3_close(dst) != SQLITE_OK && r == 0) {
		snprintf(errmsg, errsize, "cannot close the copy");
		r = ERR_IO;
	}
	return r;
}

int db_copy_file(const char *src, const char *dest, bool replace, db_copy_progress *progress, void *arg, char *errmsg,
                 size_t errsize)
{
	struct stat sb;
	if (!replace && lstat(dest, &sb) == 0) {
		snprintf(errmsg, errsize, "%s exists; choose another name, or give --force to replace it", dest);
		return ERR_EXISTS;
	}
	char *tmp;
	int r = db_temp_beside(dest, &tmp);
	if (r < 0) {
		snprintf(errmsg, errsize, "cannot create a file beside %s: %s", dest, strerror(errno));
		return r;
	}
	if ((r = copy_into(src, tmp, progress, arg, errmsg, errsize)) == 0 && (r = fsync_path(tmp, false)) < 0)
		snprintf(errmsg, errsize, "cannot sync %s to the disk: %s", tmp, strerror(errno));
	if (r == 0)
		r = db_file_replace(tmp, dest, errmsg, errsize);
	if (r < 0)
		db_remove_files(tmp);
	free(tmp);
	return r;
}

int db_file_idle(const char *path, char *errmsg, size_t errsize)
{
	sqlite3 *h = NULL;
	int r = open_existing(path, &h, errmsg, errsize);
	if (r < 0)
		return r;
	/* Leaving WAL needs the only connection: any other, a server's or a
	 * command's, keeps it from happening. */
	sqlite3_busy_timeout(h, 0);
	char out[64];
	r = exec_text(h, "PRAGMA journal_mode=DELETE", out, sizeof out);
	if (r == 0 && strcmp(out, "delete") != 0)
		r = ERR_BUSY;
	if (r == ERR_BUSY)
		snprintf(errmsg, errsize, "%s is in use (a server, or another command, has it open); stop it first",
		         path);
	else if (r < 0)
		snprintf(errmsg, errsize, "%s: %s", path, sqlite3_errmsg(h));
	sqlite3_close_v2(h);
	return r;
}

int db_file_replace(const char *tmp, const char *path, char *errmsg, size_t errsize)
{
	char side[4096];
	static const char *const suffix[] = {"-wal", "-shm", "-journal"};
	for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
		int w = snprintf(side, sizeof side, "%s%s", path, suffix[i]);
		if (w > 0 && (size_t)w < sizeof side && unlink(side) < 0 && errno != ENOENT) {
			snprintf(errmsg, errsize, "cannot remove %s: %s", side, strerror(errno));
			return ERR_IO;
		}
	}
	if (rename(tmp, path) < 0) {
		snprintf(errmsg, errsize, "cannot put the copy in place of %s: %s", path, strerror(errno));
		return ERR_IO;
	}
	if (fsync_dir_of(path) < 0) {
		snprintf(errmsg, errsize, "cannot sync the directory of %s to the disk: %s", path, strerror(errno));
		return ERR_IO;
	}
	return 0;
}
