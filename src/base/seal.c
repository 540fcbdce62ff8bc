#include "base/seal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "base/err.h"

#define SEAL_VERSION 0x01
#define SEAL_HEADER_BYTES 5
#define SEAL_NONCE_BYTES crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define SEAL_TAG_BYTES crypto_aead_xchacha20poly1305_ietf_ABYTES
#define SEAL_OVERHEAD (SEAL_HEADER_BYTES + SEAL_NONCE_BYTES + SEAL_TAG_BYTES)
#define SEAL_KEY_BYTES crypto_aead_xchacha20poly1305_ietf_KEYBYTES
#define SEAL_AD_LABEL "hartline-seal-v1"

/* Room for some 800 keys: decades of yearly rotation. A fixed size lets the
 * whole file be read into one guarded buffer. */
#define KEYFILE_MAX ((size_t)64 << 10)
#define KEYFILE_MAGIC "hartline-keyring"
#define KEYFILE_COMMENT "# hartline key file: keep it secret, mode 0600, and keep a copy apart from database backups.\n"
/* The longest "key ID HEX\n" line the writer produces. */
#define KEYFILE_KEY_LINE (4 + 10 + 1 + 2 * SEAL_KEY_BYTES + 1)
#define LOCK_ATTEMPTS 10

_Static_assert(SEAL_NONCE_BYTES == 24, "XChaCha20 nonce");
_Static_assert(SEAL_TAG_BYTES == 16, "Poly1305 tag");
_Static_assert(SEAL_KEY_BYTES == 32, "XChaCha20 key");

struct seal_key {
	uint32_t id;
	unsigned char bytes[SEAL_KEY_BYTES];
};

/* A set of keys, never changed once published in a ring. */
struct keyset {
	struct seal_key *keys; /* sodium_malloc'd; alloc slots, count used */
	size_t count, alloc;
	uint32_t current;
	/* The set this one replaced. A thread may still be sealing with it, so
	 * it lives (and its keys stay in guarded memory) until keyring_free. */
	struct keyset *retired;
};

/* Readers take the current set with one atomic load and never block;
 * rotation builds a new set and publishes it with one atomic store. So the
 * server can rotate a ring its request threads are using. */
struct keyring {
	_Atomic(struct keyset *) set;
};

static void set_err(char *errmsg, size_t errsize, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void set_err(char *errmsg, size_t errsize, const char *fmt, ...)
{
	if (!errmsg || errsize == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(errmsg, errsize, fmt, ap);
	va_end(ap);
	/* A message cut short by a small errmsg is still its right beginning;
	 * only a formatting failure leaves nothing worth showing. */
	if (n < 0)
		errmsg[0] = '\0';
}

/* ---- The ring in memory ---- */

static struct keyset *set_new(void)
{
	return calloc(1, sizeof(struct keyset));
}

/* Free set and every set it retired, wiping their keys. */
static void set_free(struct keyset *set)
{
	while (set) {
		struct keyset *next = set->retired;
		sodium_free(set->keys); /* wipes before it frees */
		free(set);
		set = next;
	}
}

/* Make room for n keys in a set not yet published. Keys move to a new
 * guarded block; the old one is wiped as it is freed. */
static int set_reserve(struct keyset *set, size_t n)
{
	if (n <= set->alloc)
		return 0;
	size_t alloc = set->alloc ? set->alloc * 2 : 4;
	if (alloc < n)
		alloc = n;
	if (alloc > SIZE_MAX / sizeof(struct seal_key))
		return ERR_NOMEM;
	struct seal_key *keys = sodium_malloc(alloc * sizeof *keys);
	if (!keys)
		return ERR_NOMEM;
	if (set->count)
		memcpy(keys, set->keys, set->count * sizeof *keys);
	sodium_free(set->keys);
	set->keys = keys;
	set->alloc = alloc;
	return 0;
}

static const struct seal_key *set_find(const struct keyset *set, uint32_t id)
{
	for (size_t i = 0; i < set->count; i++)
		if (set->keys[i].id == id)
			return &set->keys[i];
	return NULL;
}

static bool set_equal(const struct keyset *a, const struct keyset *b)
{
	if (a->count != b->count || a->current != b->current)
		return false;
	for (size_t i = 0; i < a->count; i++) {
		const struct seal_key *k = set_find(b, a->keys[i].id);
		if (!k || sodium_memcmp(k->bytes, a->keys[i].bytes, SEAL_KEY_BYTES) != 0)
			return false;
	}
	return true;
}

static const struct keyset *ring_set(const struct keyring *ring)
{
	return atomic_load_explicit(&ring->set, memory_order_acquire);
}

uint32_t keyring_current_id(const struct keyring *ring)
{
	return ring ? ring_set(ring)->current : 0;
}

int keyring_derive(const struct keyring *ring, uint32_t id, const char context[8], unsigned char *out,
                   size_t outlen, uint32_t *ret_id)
{
	if (!ring || outlen < crypto_kdf_BYTES_MIN || outlen > crypto_kdf_BYTES_MAX)
		return ERR_INVAL;
	_Static_assert(crypto_kdf_KEYBYTES == SEAL_KEY_BYTES, "a seal key is a KDF master key");
	const struct keyset *set = ring_set(ring);
	const struct seal_key *k = set_find(set, id ? id : set->current);
	if (!k)
		return ERR_NOTFOUND;
	if (crypto_kdf_derive_from_key(out, outlen, 1, context, k->bytes) != 0)
		return ERR_INVAL;
	*ret_id = k->id;
	return 0;
}

size_t keyring_count(const struct keyring *ring)
{
	return ring ? ring_set(ring)->count : 0;
}

void keyring_free(struct keyring *ring)
{
	if (!ring)
		return;
	set_free(atomic_load_explicit(&ring->set, memory_order_acquire));
	free(ring);
}

/* ---- Reading the key file ---- */

struct tok {
	const char *p;
	size_t n;
};

static bool tok_is(struct tok t, const char *s)
{
	size_t n = strlen(s);
	return t.n == n && memcmp(t.p, s, n) == 0;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Split [p, p+n) at blanks into at most max tokens; returns max + 1 when
 * there are more. */
static size_t split(const char *p, size_t n, struct tok *toks, size_t max)
{
	size_t count = 0, i = 0;
	while (i < n) {
		while (i < n && is_blank(p[i]))
			i++;
		if (i == n)
			break;
		size_t start = i;
		while (i < n && !is_blank(p[i]))
			i++;
		if (count == max)
			return max + 1;
		toks[count].p = p + start;
		toks[count].n = i - start;
		count++;
	}
	return count;
}

/* A key id: decimal digits, 1 to UINT32_MAX. */
static int parse_id(struct tok t, uint32_t *ret)
{
	if (t.n == 0 || t.n > 10)
		return ERR_INVAL;
	uint64_t v = 0;
	for (size_t i = 0; i < t.n; i++) {
		if (t.p[i] < '0' || t.p[i] > '9')
			return ERR_INVAL;
		v = v * 10 + (uint64_t)(t.p[i] - '0');
	}
	if (v == 0 || v > UINT32_MAX)
		return ERR_INVAL;
	*ret = (uint32_t)v;
	return 0;
}

static bool is_key_hex(struct tok t)
{
	if (t.n != 2 * SEAL_KEY_BYTES)
		return false;
	for (size_t i = 0; i < t.n; i++) {
		char c = t.p[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
			return false;
	}
	return true;
}

/* Parse the key file text into set. Reasons never quote the line: a
 * mangled key line is still mostly key. */
static int parse_keyfile(const char *path, const char *text, size_t len, struct keyset *set, char *errmsg,
                         size_t errsize)
{
	const char *p = text, *end = text + len;
	size_t line = 0, current_line = 0;
	bool seen_header = false;
	uint32_t current = 0;
	const char *reason = NULL;
	int r = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		size_t n = (size_t)(eol - p);
		struct tok t[3];
		uint32_t id;
		line++;

		if (memchr(p, '\0', n)) {
			reason = "contains a NUL byte";
			goto bad;
		}
		size_t ntok = split(p, n, t, 3);
		p = nl ? nl + 1 : end;
		if (ntok == 0 || t[0].p[0] == '#')
			continue;

		if (!seen_header) {
			if (!tok_is(t[0], KEYFILE_MAGIC)) {
				reason = "not a hartline key file (expected 'hartline-keyring 1' first)";
				goto bad;
			}
			if (ntok != 2 || !tok_is(t[1], "1")) {
				reason = "unsupported key file version (this program reads 'hartline-keyring 1')";
				goto bad;
			}
			seen_header = true;
		} else if (tok_is(t[0], "key")) {
			if (ntok != 3) {
				reason = "expected 'key ID HEX'";
				goto bad;
			}
			if (parse_id(t[1], &id) < 0) {
				reason = "key id must be a number from 1 to 4294967295";
				goto bad;
			}
			if (!is_key_hex(t[2])) {
				reason = "key must be 64 hex digits";
				goto bad;
			}
			if (set_find(set, id)) {
				set_err(errmsg, errsize, "%s: line %zu: duplicate key id %" PRIu32, path, line, id);
				r = ERR_PARSE;
				goto cleanup;
			}
			if ((r = set_reserve(set, set->count + 1)) < 0) {
				set_err(errmsg, errsize, "%s: out of memory", path);
				goto cleanup;
			}
			struct seal_key *k = &set->keys[set->count];
			size_t bin_len = 0;
			if (sodium_hex2bin(k->bytes, sizeof k->bytes, t[2].p, t[2].n, NULL, &bin_len, NULL) != 0 ||
			    bin_len != SEAL_KEY_BYTES) {
				sodium_memzero(k, sizeof *k);
				reason = "key must be 64 hex digits";
				goto bad;
			}
			k->id = id;
			set->count++;
		} else if (tok_is(t[0], "current")) {
			if (ntok != 2 || parse_id(t[1], &id) < 0) {
				reason = "expected 'current ID'";
				goto bad;
			}
			if (current_line) {
				reason = "a second 'current' line";
				goto bad;
			}
			current = id;
			current_line = line;
		} else if (tok_is(t[0], KEYFILE_MAGIC)) {
			reason = "a second 'hartline-keyring' line";
			goto bad;
		} else {
			reason = "unknown line (expected 'key ID HEX' or 'current ID')";
			goto bad;
		}
	}

	if (line == 0)
		line = 1;
	if (!seen_header) {
		reason = "not a hartline key file (expected 'hartline-keyring 1' first)";
		goto bad;
	}
	if (set->count == 0) {
		reason = "no keys in the file";
		goto bad;
	}
	if (!current_line) {
		reason = "no 'current ID' line";
		goto bad;
	}
	if (!set_find(set, current)) {
		set_err(errmsg, errsize, "%s: line %zu: current key %" PRIu32 " is not in the file", path, current_line,
		        current);
		r = ERR_PARSE;
		goto cleanup;
	}
	set->current = current;
	goto cleanup;

bad:
	set_err(errmsg, errsize, "%s: line %zu: %s", path, line, reason);
	r = ERR_PARSE;
cleanup:
	return r;
}

static int open_error(const char *path, int e, char *errmsg, size_t errsize)
{
	if (e == ENOENT) {
		set_err(errmsg, errsize, "%s: no such file", path);
		return ERR_NOTFOUND;
	}
	if (e == EACCES) {
		set_err(errmsg, errsize, "%s: permission denied", path);
		return ERR_PERM;
	}
	set_err(errmsg, errsize, "%s: cannot open: %s", path, strerror(e));
	return ERR_IO;
}

/* Check the opened key file and parse it into a new set. */
static int load_fd(const char *path, int fd, struct keyset **ret, char *errmsg, size_t errsize)
{
	struct keyset *set = NULL;
	char *text = NULL;
	size_t len = 0;
	struct stat st;
	int r;

	if (fstat(fd, &st) < 0) {
		set_err(errmsg, errsize, "%s: cannot stat: %s", path, strerror(errno));
		r = ERR_IO;
		goto cleanup;
	}
	if (!S_ISREG(st.st_mode)) {
		set_err(errmsg, errsize, "%s: not a regular file", path);
		r = ERR_INVAL;
		goto cleanup;
	}
	if (st.st_mode & 077) {
		set_err(errmsg, errsize, "%s: %s by group or others (mode %04o); run: chmod 600 %s", path,
		        (st.st_mode & 044) ? "readable" : "writable", (unsigned)(st.st_mode & 07777), path);
		r = ERR_PERM;
		goto cleanup;
	}

	/* The text is key material too: read it into guarded memory. */
	text = sodium_malloc(KEYFILE_MAX + 1);
	if (!text) {
		r = ERR_NOMEM;
		goto cleanup;
	}
	for (;;) {
		ssize_t got = read(fd, text + len, KEYFILE_MAX + 1 - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			set_err(errmsg, errsize, "%s: cannot read: %s", path, strerror(errno));
			r = ERR_IO;
			goto cleanup;
		}
		if (got == 0)
			break;
		len += (size_t)got;
		if (len > KEYFILE_MAX) {
			set_err(errmsg, errsize, "%s: larger than %zu bytes", path, KEYFILE_MAX);
			r = ERR_TOOBIG;
			goto cleanup;
		}
	}

	set = set_new();
	if (!set) {
		r = ERR_NOMEM;
		goto cleanup;
	}
	if ((r = parse_keyfile(path, text, len, set, errmsg, errsize)) < 0)
		goto cleanup;
	*ret = set;
	set = NULL;
cleanup:
	if (r == ERR_NOMEM)
		set_err(errmsg, errsize, "%s: out of memory", path);
	sodium_free(text);
	set_free(set);
	return r;
}

int keyring_load(const char *path, struct keyring **ret, char *errmsg, size_t errsize)
{
	if (!path || !ret)
		return ERR_INVAL;
	/* O_NONBLOCK so a FIFO planted at path cannot hang start-up; it is
	 * refused as not a regular file. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return open_error(path, errno, errmsg, errsize);
	struct keyset *set = NULL;
	int r = load_fd(path, fd, &set, errmsg, errsize);
	close(fd);
	if (r < 0)
		return r;
	struct keyring *ring = malloc(sizeof *ring);
	if (!ring) {
		set_free(set);
		set_err(errmsg, errsize, "%s: out of memory", path);
		return ERR_NOMEM;
	}
	atomic_init(&ring->set, set);
	*ret = ring;
	return 0;
}

/* ---- Writing the key file ---- */

struct text {
	char *data; /* sodium_malloc'd */
	size_t len, size;
};

static int text_printf(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int text_printf(struct text *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(t->data + t->len, t->size - t->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return ERR_INVAL;
	if ((size_t)n >= t->size - t->len)
		return ERR_TOOBIG;
	t->len += (size_t)n;
	return 0;
}

/* The file text for set, in guarded memory
 * (sodium_free it). ERR_TOOBIG when it would be more than a load accepts. */
static int keyfile_text(const struct keyset *set, struct text *ret)
{
	struct text t = {0};
	int r;

	if (set->count > KEYFILE_MAX / KEYFILE_KEY_LINE)
		return ERR_TOOBIG;
	t.size = sizeof KEYFILE_COMMENT + 32 + set->count * KEYFILE_KEY_LINE + 32;
	t.data = sodium_malloc(t.size);
	if (!t.data)
		return ERR_NOMEM;
	if ((r = text_printf(&t, "%s%s 1\n", KEYFILE_COMMENT, KEYFILE_MAGIC)) < 0)
		goto cleanup;
	for (size_t i = 0; i < set->count; i++) {
		if ((r = text_printf(&t, "key %" PRIu32 " ", set->keys[i].id)) < 0)
			goto cleanup;
		if (t.size - t.len < 2 * SEAL_KEY_BYTES + 2) {
			r = ERR_TOOBIG;
			goto cleanup;
		}
		sodium_bin2hex(t.data + t.len, t.size - t.len, set->keys[i].bytes, SEAL_KEY_BYTES);
		t.len += 2 * SEAL_KEY_BYTES;
		if ((r = text_printf(&t, "\n")) < 0)
			goto cleanup;
	}
	if ((r = text_printf(&t, "current %" PRIu32 "\n", set->current)) < 0)
		goto cleanup;
	if (t.len > KEYFILE_MAX) {
		r = ERR_TOOBIG;
		goto cleanup;
	}
	*ret = t;
	t.data = NULL;
cleanup:
	sodium_free(t.data);
	return r;
}

/* Write the whole text to fd as a mode 0600 file and make it durable. */
static int write_keyfile_fd(const char *path, int fd, const struct text *t, char *errmsg, size_t errsize)
{
	/* Whatever the umask, the file ends up exactly 0600. */
	if (fchmod(fd, 0600) < 0) {
		set_err(errmsg, errsize, "%s: cannot chmod: %s", path, strerror(errno));
		return ERR_IO;
	}
	const char *p = t->data;
	size_t left = t->len;
	while (left > 0) {
		ssize_t w = write(fd, p, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			set_err(errmsg, errsize, "%s: cannot write: %s", path, strerror(errno));
			return ERR_IO;
		}
		p += w;
		left -= (size_t)w;
	}
	if (fsync(fd) < 0) {
		set_err(errmsg, errsize, "%s: cannot fsync: %s", path, strerror(errno));
		return ERR_IO;
	}
	return 0;
}

/* fsync the directory holding path, so that a new name in it lasts. */
static int fsync_dir_of(const char *path, char *errmsg, size_t errsize)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd = -1, r = 0;

	if (!slash)
		dir = strdup(".");
	else if (slash == path)
		dir = strdup("/");
	else
		dir = strndup(path, (size_t)(slash - path));
	if (!dir) {
		set_err(errmsg, errsize, "%s: out of memory", path);
		return ERR_NOMEM;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		set_err(errmsg, errsize, "%s: cannot open directory: %s", dir, strerror(errno));
		r = ERR_IO;
		goto cleanup;
	}
	/* Some file systems cannot fsync a directory (EINVAL); they have
	 * nothing to flush there. */
	if (fsync(fd) < 0 && errno != EINVAL) {
		set_err(errmsg, errsize, "%s: cannot fsync directory: %s", dir, strerror(errno));
		r = ERR_IO;
		goto cleanup;
	}
cleanup:
	if (fd >= 0)
		close(fd);
	free(dir);
	return r;
}

static int close_checked(const char *path, int *fd, char *errmsg, size_t errsize)
{
	int rc = close(*fd);
	*fd = -1;
	if (rc < 0 && errno != EINTR) {
		set_err(errmsg, errsize, "%s: cannot close: %s", path, strerror(errno));
		return ERR_IO;
	}
	return 0;
}

int keyring_create(const char *path, char *errmsg, size_t errsize)
{
	struct keyset *set = NULL;
	struct text t = {0};
	bool made = false;
	int fd = -1, r;

	if (!path)
		return ERR_INVAL;
	set = set_new();
	if (!set || set_reserve(set, 1) < 0) {
		set_err(errmsg, errsize, "%s: out of memory", path);
		r = ERR_NOMEM;
		goto cleanup;
	}
	set->keys[0].id = 1;
	randombytes_buf(set->keys[0].bytes, SEAL_KEY_BYTES);
	set->count = 1;
	set->current = 1;
	if ((r = keyfile_text(set, &t)) < 0) {
		set_err(errmsg, errsize, "%s: %s", path, err_str(r));
		goto cleanup;
	}

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (errno == EEXIST) {
			set_err(errmsg, errsize, "%s: already exists; a key file is never overwritten", path);
			r = ERR_EXISTS;
		} else {
			r = open_error(path, errno, errmsg, errsize);
		}
		goto cleanup;
	}
	made = true;
	if ((r = write_keyfile_fd(path, fd, &t, errmsg, errsize)) < 0)
		goto cleanup;
	if ((r = close_checked(path, &fd, errmsg, errsize)) < 0)
		goto cleanup;
	if ((r = fsync_dir_of(path, errmsg, errsize)) < 0)
		goto cleanup;
	made = false;
cleanup:
	if (fd >= 0)
		close(fd);
	if (made)
		unlink(path);
	sodium_free(t.data);
	set_free(set);
	return r;
}

/* Open path and hold an exclusive flock on it. A rotation that finishes
 * while we wait renames a new file over path, so the lock we then get is on
 * a file no longer at path: take the new one instead. */
static int lock_keyfile(const char *path, int *ret_fd, char *errmsg, size_t errsize)
{
	for (int attempt = 0; attempt < LOCK_ATTEMPTS; attempt++) {
		int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0)
			return open_error(path, errno, errmsg, errsize);
		int rc;
		while ((rc = flock(fd, LOCK_EX)) < 0 && errno == EINTR)
			;
		if (rc < 0) {
			int e = errno;
			close(fd);
			set_err(errmsg, errsize, "%s: cannot lock: %s", path, strerror(e));
			return ERR_IO;
		}
		struct stat held, named;
		if (fstat(fd, &held) == 0 && stat(path, &named) == 0 && held.st_dev == named.st_dev &&
		    held.st_ino == named.st_ino) {
			*ret_fd = fd;
			return 0;
		}
		close(fd);
	}
	set_err(errmsg, errsize, "%s: keeps being replaced; try again", path);
	return ERR_BUSY;
}

int keyring_rotate(const char *path, struct keyring *ring, uint32_t *ret_new_id, char *errmsg, size_t errsize)
{
	struct keyset *disk = NULL, *next = NULL;
	struct text t = {0};
	struct buf tmp;
	bool tmp_made = false;
	int fd = -1, tmp_fd = -1, r;

	if (!path || !ring)
		return ERR_INVAL;
	buf_init(&tmp, 0);

	/* The lock orders rotations, in this process and others, so the set
	 * read after taking it is the newest one. */
	if ((r = lock_keyfile(path, &fd, errmsg, errsize)) < 0)
		goto cleanup;
	struct keyset *old = atomic_load_explicit(&ring->set, memory_order_acquire);
	if ((r = load_fd(path, fd, &disk, errmsg, errsize)) < 0)
		goto cleanup;
	if (!set_equal(old, disk)) {
		set_err(errmsg, errsize,
		        "%s: changed since it was loaded (rotated elsewhere?); not overwriting it: load it again and "
		        "retry",
		        path);
		r = ERR_CONFLICT;
		goto cleanup;
	}

	uint32_t highest = 0;
	for (size_t i = 0; i < old->count; i++)
		if (old->keys[i].id > highest)
			highest = old->keys[i].id;
	if (highest == UINT32_MAX) {
		set_err(errmsg, errsize, "%s: no key id left after %" PRIu32, path, highest);
		r = ERR_TOOBIG;
		goto cleanup;
	}
	next = set_new();
	if (!next || set_reserve(next, old->count + 1) < 0) {
		set_err(errmsg, errsize, "%s: out of memory", path);
		r = ERR_NOMEM;
		goto cleanup;
	}
	memcpy(next->keys, old->keys, old->count * sizeof *old->keys);
	struct seal_key *fresh = &next->keys[old->count];
	fresh->id = highest + 1;
	randombytes_buf(fresh->bytes, SEAL_KEY_BYTES);
	next->count = old->count + 1;
	next->current = fresh->id;
	if ((r = keyfile_text(next, &t)) < 0) {
		set_err(errmsg, errsize, "%s: %s", path,
		        r == ERR_TOOBIG ? "too many keys for one key file" : err_str(r));
		goto cleanup;
	}

	if ((r = buf_printf(&tmp, "%s.tmp", path)) < 0) {
		set_err(errmsg, errsize, "%s: %s", path, err_str(r));
		goto cleanup;
	}
	/* We hold the lock, so a PATH.tmp left now is from a rotation that
	 * died half-way: it was never renamed and holds nothing needed. */
	if (unlink(buf_str(&tmp)) < 0 && errno != ENOENT) {
		set_err(errmsg, errsize, "%s: cannot remove: %s", buf_str(&tmp), strerror(errno));
		r = ERR_IO;
		goto cleanup;
	}
	tmp_fd = open(buf_str(&tmp), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (tmp_fd < 0) {
		r = open_error(buf_str(&tmp), errno, errmsg, errsize);
		goto cleanup;
	}
	tmp_made = true;
	if ((r = write_keyfile_fd(buf_str(&tmp), tmp_fd, &t, errmsg, errsize)) < 0)
		goto cleanup;
	if ((r = close_checked(buf_str(&tmp), &tmp_fd, errmsg, errsize)) < 0)
		goto cleanup;
	if (rename(buf_str(&tmp), path) < 0) {
		set_err(errmsg, errsize, "%s: cannot rename %s over it: %s", path, buf_str(&tmp), strerror(errno));
		r = ERR_IO;
		goto cleanup;
	}
	tmp_made = false;
	/* If this fails the new file may or may not survive a crash; the ring
	 * stays as it was, and the next rotation sees the difference. */
	if ((r = fsync_dir_of(path, errmsg, errsize)) < 0)
		goto cleanup;

	next->retired = old;
	atomic_store_explicit(&ring->set, next, memory_order_release);
	*ret_new_id = next->current;
	next = NULL;
cleanup:
	if (tmp_fd >= 0)
		close(tmp_fd);
	if (tmp_made)
		unlink(buf_str(&tmp));
	buf_done(&tmp);
	sodium_free(t.data);
	set_free(next);
	set_free(disk);
	if (fd >= 0)
		close(fd); /* releases the lock, after the new set is published */
	return r;
}

/* ---- Sealed values ---- */

static void put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static uint32_t get_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* The associated data: header, label NUL table NUL column NUL row. NULs
 * cannot occur inside C strings, so no two places give the same bytes. */
static int build_ad(const unsigned char *header, const char *table, const char *column, int64_t row, struct buf *ad)
{
	char row_text[24];
	int n = snprintf(row_text, sizeof row_text, "%" PRId64, row);
	int r;

	if (n < 0 || (size_t)n >= sizeof row_text)
		return ERR_INVAL;
	if ((r = buf_append(ad, header, SEAL_HEADER_BYTES)) < 0 ||
	    (r = buf_append(ad, SEAL_AD_LABEL, sizeof SEAL_AD_LABEL)) < 0 ||
	    (r = buf_append(ad, table, strlen(table) + 1)) < 0 ||
	    (r = buf_append(ad, column, strlen(column) + 1)) < 0 || (r = buf_append(ad, row_text, (size_t)n)) < 0)
		return r;
	return 0;
}

size_t seal_size(size_t plain_len)
{
	return plain_len > SIZE_MAX - SEAL_OVERHEAD ? SIZE_MAX : plain_len + SEAL_OVERHEAD;
}

int seal_value(const struct keyring *ring, const char *table, const char *column, int64_t row, const void *plain,
               size_t len, struct buf *out)
{
	unsigned char *sealed = NULL;
	struct buf ad;
	int r;

	buf_init(&ad, 0);
	if (!ring || !table || !column || !out || (!plain && len)) {
		r = ERR_INVAL;
		goto cleanup;
	}
	if (len > SIZE_MAX - SEAL_OVERHEAD || len > crypto_aead_xchacha20poly1305_ietf_MESSAGEBYTES_MAX) {
		r = ERR_TOOBIG;
		goto cleanup;
	}
	const struct keyset *set = ring_set(ring);
	const struct seal_key *k = set_find(set, set->current);
	if (!k) {
		r = ERR_INVAL;
		goto cleanup;
	}
	size_t total = len + SEAL_OVERHEAD;
	sealed = malloc(total);
	if (!sealed) {
		r = ERR_NOMEM;
		goto cleanup;
	}
	sealed[0] = SEAL_VERSION;
	put_be32(sealed + 1, k->id);
	randombytes_buf(sealed + SEAL_HEADER_BYTES, SEAL_NONCE_BYTES);
	if ((r = build_ad(sealed, table, column, row, &ad)) < 0)
		goto cleanup;
	unsigned long long clen = 0;
	crypto_aead_xchacha20poly1305_ietf_encrypt(
	        sealed + SEAL_HEADER_BYTES + SEAL_NONCE_BYTES, &clen, plain ? plain : (const void *)"", len,
	        (const unsigned char *)ad.data, ad.len, NULL, sealed + SEAL_HEADER_BYTES, k->bytes);
	if (clen != len + SEAL_TAG_BYTES) {
		r = ERR_INVAL;
		goto cleanup;
	}
	r = buf_append(out, sealed, total);
cleanup:
	free(sealed);
	buf_done(&ad);
	return r;
}

int seal_key_id(const void *sealed, size_t len, uint32_t *ret)
{
	const unsigned char *s = sealed;
	if (!s || len < SEAL_OVERHEAD || s[0] != SEAL_VERSION)
		return ERR_INVAL;
	*ret = get_be32(s + 1);
	return 0;
}

int seal_open(const struct keyring *ring, const char *table, const char *column, int64_t row, const void *sealed,
              size_t len, struct buf *out)
{
	const unsigned char *s = sealed;
	struct buf ad;
	uint32_t id;
	int r;

	buf_init(&ad, 0);
	if (!ring || !table || !column || !out) {
		r = ERR_INVAL;
		goto cleanup;
	}
	if ((r = seal_key_id(sealed, len, &id)) < 0)
		goto cleanup;
	const struct seal_key *k = set_find(ring_set(ring), id);
	if (!k) {
		r = ERR_NOTFOUND;
		goto cleanup;
	}
	if ((r = build_ad(s, table, column, row, &ad)) < 0)
		goto cleanup;

	/* Decrypt straight into out, so the plaintext is never in a second
	 * buffer that would need wiping. The appended ciphertext only makes
	 * room; it is overwritten. */
	const unsigned char *c = s + SEAL_HEADER_BYTES + SEAL_NONCE_BYTES;
	size_t clen = len - SEAL_HEADER_BYTES - SEAL_NONCE_BYTES;
	size_t plen = clen - SEAL_TAG_BYTES;
	size_t old = out->len;
	if ((r = buf_append(out, c, plen)) < 0)
		goto cleanup;
	unsigned long long mlen = 0;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt((unsigned char *)out->data + old, &mlen, NULL, c, clen,
	                                               (const unsigned char *)ad.data, ad.len, s + SEAL_HEADER_BYTES,
	                                               k->bytes) != 0 ||
	    mlen != plen) {
		sodium_memzero(out->data + old, plen);
		out->len = old;
		out->data[old] = '\0';
		r = ERR_INVAL;
		goto cleanup;
	}
cleanup:
	buf_done(&ad);
	return r;
}
