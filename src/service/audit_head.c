#include "service/audit_head.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/str.h"
#include "service/app.h"

/* The tail read to find the last line: many lines, so that a torn last
 * line still leaves a whole one before it. */
#define TAIL_BYTES 4096
#define SYNC_INTERVAL_NS 1000000000LL

struct audit_head_file {
	char *path;
	int fd;
	pthread_mutex_t lock;
	struct audit_head last; /* the file's last line as last seen */
	off_t size;             /* the file's size when last was seen */
	int64_t mine;           /* the highest seq this process appended */
	int64_t synced_ns;      /* when this process last synced the file */
	bool dirty;
};

int audit_head_path(const char *key_file, char **ret)
{
	return app_path_beside(key_file, AUDIT_HEAD_FILE_NAME, ret);
}

static bool is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* One line "SEQ MAC" (without its newline) into ret. */
static int parse_line(const char *line, size_t len, struct audit_head *ret)
{
	const char *sp = memchr(line, ' ', len);
	char num[24];
	size_t mac_len = CRYPTO_HASH_HEX_SIZE - 1;
	if (!sp || (size_t)(sp - line) >= sizeof num || len - (size_t)(sp - line) - 1 != mac_len ||
	    !is_hex(sp + 1, mac_len))
		return ERR_PARSE;
	memcpy(num, line, (size_t)(sp - line));
	num[sp - line] = '\0';
	if (str_to_int64(num, 1, INT64_MAX, &ret->seq) < 0)
		return ERR_PARSE;
	memcpy(ret->mac, sp + 1, mac_len);
	ret->mac[mac_len] = '\0';
	return 0;
}

/* The last complete line of the open file of size bytes. */
static int read_last(int fd, off_t size, struct audit_head *ret)
{
	memset(ret, 0, sizeof *ret);
	char tail[TAIL_BYTES];
	off_t from = size > TAIL_BYTES ? size - TAIL_BYTES : 0;
	ssize_t n = pread(fd, tail, (size_t)(size - from), from);
	if (n < 0)
		return ERR_IO;
	/* A line not ending in a newline was torn by a crash mid-write: the
	 * whole line before it is the head. */
	ssize_t end = n;
	while (end > 0 && tail[end - 1] != '\n')
		end--;
	if (end == 0)
		return 0;
	ssize_t start = end - 1;
	while (start > 0 && tail[start - 1] != '\n')
		start--;
	if (start == 0 && from > 0)
		return ERR_PARSE;
	return parse_line(tail + start, (size_t)(end - 1 - start), ret);
}

static int check_mode(const struct stat *st)
{
	if (!S_ISREG(st->st_mode))
		return ERR_INVAL;
	return st->st_mode & 077 ? ERR_PERM : 0;
}

int audit_head_read(const char *path, struct audit_head *ret, bool *ret_exists)
{
	memset(ret, 0, sizeof *ret);
	*ret_exists = false;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : ERR_IO;
	struct stat st;
	int r = fstat(fd, &st) < 0 ? ERR_IO : check_mode(&st);
	if (r == 0)
		r = read_last(fd, st.st_size, ret);
	close(fd);
	if (r == 0)
		*ret_exists = true;
	return r;
}

static int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int audit_head_open(const char *path, struct audit_head_file **ret, bool *ret_created, char *errmsg, size_t errsize)
{
	struct audit_head_file *f = calloc(1, sizeof *f);
	if (!f || !(f->path = strdup(path))) {
		free(f);
		return ERR_NOMEM;
	}
	int r = 0;
	bool created = false;
	f->fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC);
	if (f->fd < 0 && errno == ENOENT) {
		f->fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		created = f->fd >= 0;
	}
	struct stat st;
	if (f->fd < 0) {
		snprintf(errmsg, errsize, "%s: cannot open the audit head file: %s", path, strerror(errno));
		r = ERR_IO;
	} else if (fstat(f->fd, &st) < 0) {
		snprintf(errmsg, errsize, "%s: %s", path, strerror(errno));
		r = ERR_IO;
	} else if ((r = check_mode(&st)) < 0) {
		snprintf(errmsg, errsize,
		         r == ERR_PERM ? "%s: readable by group or others (mode 0%o); run: chmod 600 %s"
		                       : "%s: not a regular file (mode 0%o); remove it or give another --key-file (%s)",
		         path, (unsigned)(st.st_mode & 07777), path);
	} else if ((r = read_last(f->fd, st.st_size, &f->last)) < 0) {
		snprintf(errmsg, errsize, "%s: the last line is not an audit head; restore the file from its copy",
		         path);
	}
	if (r < 0) {
		audit_head_close(f);
		return r;
	}
	f->size = st.st_size;
	f->synced_ns = mono_ns();
	pthread_mutex_init(&f->lock, NULL);
	*ret = f;
	*ret_created = created;
	return 0;
}

int audit_head_last(struct audit_head_file *f, struct audit_head *ret)
{
	pthread_mutex_lock(&f->lock);
	struct stat st;
	int r = fstat(f->fd, &st) < 0 ? ERR_IO : 0;
	/* Another process (the command line beside the server) appended. */
	if (r == 0 && st.st_size != f->size) {
		struct audit_head last;
		if ((r = read_last(f->fd, st.st_size, &last)) == 0) {
			f->last = last;
			f->size = st.st_size;
		}
	}
	if (r == 0)
		*ret = f->last;
	pthread_mutex_unlock(&f->lock);
	return r;
}

int audit_head_append(struct audit_head_file *f, int64_t seq, const char *mac, bool force)
{
	char line[CRYPTO_HASH_HEX_SIZE + 32];
	int n = snprintf(line, sizeof line, "%lld %s\n", (long long)seq, mac);
	if (n < 0 || (size_t)n >= sizeof line || strlen(mac) != CRYPTO_HASH_HEX_SIZE - 1)
		return ERR_INVAL;
	int r = 0;
	pthread_mutex_lock(&f->lock);
	if (seq <= f->mine && !force)
		goto out;
	ssize_t w = write(f->fd, line, (size_t)n);
	if (w != n) {
		r = ERR_IO;
		goto out;
	}
	f->mine = seq;
	f->last.seq = seq;
	memcpy(f->last.mac, mac, sizeof f->last.mac);
	f->size += n;
	f->dirty = true;
	/* One sync a second bounds what a power cut can take from the file
	 * without an fsync on every request; it runs outside the lock, so
	 * other threads' appends do not wait for the disk. */
	int64_t t = mono_ns();
	bool sync = t - f->synced_ns >= SYNC_INTERVAL_NS;
	if (sync) {
		f->synced_ns = t;
		f->dirty = false;
	}
	pthread_mutex_unlock(&f->lock);
	if (sync && fdatasync(f->fd) < 0)
		return ERR_IO;
	return 0;
out:
	pthread_mutex_unlock(&f->lock);
	return r;
}

const char *audit_head_file_path(const struct audit_head_file *f)
{
	return f->path;
}

void audit_head_close(struct audit_head_file *f)
{
	if (!f)
		return;
	if (f->fd >= 0) {
		if (f->dirty)
			fdatasync(f->fd);
		close(f->fd);
	}
	free(f->path);
	free(f);
}
