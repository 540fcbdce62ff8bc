/* Unit tests of src/base/seal: sealed values bound to their place, the key
 * file's permissions and syntax, creation and rotation of keys. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "unit.h"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "base/buf.h"
#include "base/crypto.h"
#include "base/err.h"
#include "base/seal.h"
#include "base/str.h"

#define KEY_A "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define KEY_B "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"

/* ---- fixture: a fresh directory under /tmp, removed afterwards ---- */

struct fx {
	char dir[64];
	char path[128]; /* dir/hartline.key, not yet created */
};

static int fx_setup(void **state)
{
	if (crypto_init() < 0)
		return -1;
	struct fx *fx = calloc(1, sizeof *fx);
	if (!fx)
		return -1;
	if (str_copy(fx->dir, sizeof fx->dir, "/tmp/test_seal.XXXXXX") < 0 || !mkdtemp(fx->dir)) {
		free(fx);
		return -1;
	}
	int n = snprintf(fx->path, sizeof fx->path, "%s/hartline.key", fx->dir);
	if (n < 0 || (size_t)n >= sizeof fx->path) {
		rmdir(fx->dir);
		free(fx);
		return -1;
	}
	*state = fx;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *fx = *state;
	DIR *d = opendir(fx->dir);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			char p[384];
			int n = snprintf(p, sizeof p, "%s/%s", fx->dir, e->d_name);
			if (n > 0 && (size_t)n < sizeof p)
				unlink(p);
		}
		closedir(d);
	}
	int r = rmdir(fx->dir);
	free(fx);
	return r;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	size_t n = strlen(text);
	assert_int_equal(write(fd, text, n), (ssize_t)n);
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
}

static char *read_text(const char *path)
{
	char *text = NULL;
	assert_int_equal(file_read_all(path, 1 << 20, &text, NULL), 0);
	return text;
}

static mode_t mode_of(const char *path)
{
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	return st.st_mode & 07777;
}

static struct keyring *load_ok(const char *path)
{
	struct keyring *ring = NULL;
	char err[256] = "";
	int r = keyring_load(path, &ring, err, sizeof err);
	if (r != 0)
		print_error("keyring_load: %d %s\n", r, err);
	assert_int_equal(r, 0);
	assert_non_null(ring);
	return ring;
}

/* A ring from a fixed key file: keys 1 and 2, current 1. */
static struct keyring *fixed_ring(struct fx *fx)
{
	write_file(fx->path, "hartline-keyring 1\nkey 1 " KEY_A "\nkey 2 " KEY_B "\ncurrent 1\n", 0600);
	return load_ok(fx->path);
}

static void seal_ok(const struct keyring *ring, const char *table, const char *column, int64_t row, const void *plain,
                    size_t len, struct buf *out)
{
	buf_clear(out);
	assert_int_equal(seal_value(ring, table, column, row, plain, len, out), 0);
}

/* ---- sealed values ---- */

UNIT_TEST_WITH(a_value_round_trips_including_empty_and_binary_with_nuls, fx_setup, fx_teardown)
{
	struct fx *fx = *state;
	struct keyring *ring = fixed_ring(fx);
	struct buf sealed, plain;
	buf_init(&sealed, 0);
	buf_init(&plain, 0);

	const char *name = "Jane Q. Doe";
	seal_ok(ring, "person", "name", 42, name, strlen(name), &sealed);
	assert_int_equal(seal_open(ring, "person", "name", 42, sealed.data, sealed.len, &plain), 0);
	assert_int_equal(plain.len, strlen(name));
	assert_string_equal(buf_str(&plain), name);
	/* The clear text does not appear in the sealed bytes. */
	assert_null(memmem(sealed.data, sealed.len, "Jane", 4));

	buf_clear(&plain);
	seal_ok(ring, "person", "name", 42, "", 0, &sealed);
	assert_int_equal(sealed.len, seal_size(0));
	assert_int_equal(seal_open(ring, "person", "name", 42, sealed.data, sealed.len, &plain), 0);
	assert_int_equal(plain.len, 0);
	assert_string_equal(buf_str(&plain), "");

	/* NULL with length 0 is an empty value too. */
	seal_ok(ring, "person", "name", 42, NULL, 0, &sealed);
	assert_int_equal(seal_open(ring, "person", "name", 42, sealed.data, sealed.len, &plain), 0);
	assert_int_equal(plain.len, 0);

	unsigned char bin[300];
	for (size_t i = 0; i < sizeof bin; i++)
		bin[i] = (unsigned char)(i % 7 == 0 ? 0 : i * 31);
	seal_ok(ring, "note", "body", -5, bin, sizeof bin, &sealed);
	assert_int_equal(seal_open(ring, "note", "body", -5, sealed.data, sealed.len, &plain), 0);
	assert_int_equal(plain.len, sizeof bin);
	assert_memory_equal(plain.data, bin, sizeof bin);
	assert_int_equal(plain.data[plain.len], '\0');

	/* Opening appends: what was in out stays in front. */
	buf_clear(&plain);
	assert_int_equal(buf_puts(&plain, "x:"), 0);
	seal_ok(ring, "person", "name", 42, name, strlen(name), &sealed);
	assert_int_equal(seal_open(ring, "person", "name", 42, sealed.data, sealed.len, &plain), 0);
	assert_string_equal(buf_str(&plain), "x:Jane Q. Doe");

	buf_done(&sealed);
	buf_done(&plain);
	keyring_free(ring);
}

UNIT_TEST_WITH(sealing_the_same_value_twice_gives_different_bytes, fx_setup, fx_teardown)
{
	struct fx *fx = *state;
	struct keyring *ring = fixed_ring(fx);
	struct buf a, b;
	buf_init(&a, 0);
	buf_init(&b, 0);
	seal_ok(ring, "person", "name", 1, "same", 4, &a);
	seal_ok(ring, "person", "name", 1, "same", 4, &b);
	assert_int_equal(a.len, b.len);
	assert_memory_not_equal(a.data, b.data, a.len);
	buf_done(&a);
	buf_done(&b);
	keyring_free(ring);
}

UNIT_TEST_WITH(a_value_moved_to_another_row_column_or_table_fails_to_open, fx_setup, fx_teardown)
{
	struct fx *fx = *state;
	struct keyring *ring = fixed_ring(fx);
	struct buf sealed, plain;
	buf_init(&sealed, 0);
	buf_init(&plain, 0);
	seal_ok(ring, "person", "dob", 7, "2011-04-02", 10, &sealed);

	assert_int_equal(seal_open(ring, "person", "dob", 8, sealed.data, sealed.len, &plain), ERR_INVAL);
	assert_int_equal(seal_open(ring, "person", "dob", -7, sealed.data, sealed.len, &plain), ERR_INVAL);
	assert_int_equal(seal_open(ring, "person", "name", 7, sealed.data, sealed.len, &plain), ERR_INVAL);
	assert_int_equal(seal_open(ring, "contact", "dob", 7, sealed.data, sealed.len, &plain), ERR_INVAL);
	/* The separators keep table and column apart: "persond" + "ob" is
	 * not "person" + "dob". */
	assert_int_equal(seal_open(ring, "persond", "ob", 7, sealed.data, sealed.len, &plain), ERR_INVAL);
	assert_int_equal(plain.len, 0);
	assert_int_equal(seal_open(ring, "person", "dob", 7, sealed.data, sealed.len, &plain), 0);
	assert_string_equal(buf_str(&plain), "2011-04-02");

	buf_done(&sealed);
	buf_done(&plain);
	keyring_free(ring);
}

UNIT_TEST_WITH(a_flipped_bit_anywhere_fails_to_open_and_leaves_out_unchanged, fx_setup, fx_teardown)
{
	struct fx *fx = *state;
	struct keyring *ring = fixed_ring(fx);
	struct buf sealed, plain;
	buf_init(&sealed, 0);
	buf_init(&plain, 0);
	seal_ok(ring, "person", "name", 3, "Ana", 3, &sealed);
	assert_int_equal(buf_puts(&plain, "before"), 0);

	for (size_t i = 0; i < sealed.len; i++) {
		for (int bit = 0; bit < 8; bit++) {
			sealed.data[i] ^= (char)(1 << bit);
			int r = seal_open(ring, "person", "name", 3, sealed.data, sealed.len, &plain);
			/* A changed key id names a key the ring lacks (NOTFOUND) or
			 * the other key (INVAL); any other change is INVAL. */
			if (i >= 1 && i <= 4)
				assert_true(r == ERR_NOTFOUND || r == ERR_INVAL);
			else
				assert_int_equal(r, ERR_INVAL);
			sealed.data[i] ^= (char)(1 << bit);
		}
	}
	assert_string_equal(buf_str(&plain), "before");
	assert_int_equal(plain.len, 6);

	/* Truncated or extended values fail too. */
	assert_int_equal(seal_open(ring, "person", "name", 3, sealed.data, sealed.len - 1, &plain), ERR_INVAL);
	assert_int_equal(seal_open(ring, "person", "name", 3, sealed.data, seal_size(0) - 1, &plain), ERR_INVAL);
	assert_int_equal(buf_putc(&sealed, 'x'), 0);
	assert_int_equal(seal_open(ring, "person", "name", 3, sealed.data, sealed.len, &plain), ERR_INVAL);
	assert_string_equal(buf_str(&plain), "before");

	buf_done(&sealed);
	buf_done(&plain);
	keyring_free(ring);
}

UNIT_TEST_WITH(a_value_relabelled_with_another_key_id_in_the_ring_fails_to_open, fx_setup, fx_teardown)
{
	struct fx *fx = *state;
	struct keyring *ring = fixed_ring(fx); /* keys 1 and 2, current 1 */
	struct buf sealed, plain;
	buf_init(&sealed, 0);
	buf_init(&plain, 0);
	seal_ok(ring, "person", "name", 3, "Ana", 3, &sealed);
	uint32_t id = 0;
	assert_int_equal(seal_key_id(sealed.data, sealed.len, &id), 0);
	assert_int_equal(id, 1);
	sealed.data[4] = 2;
	assert_int_equal(seal_key_id(sealed.data, sealed.len, &id), 0);
	assert_int_equal(id, 2);
	assert_int_equal(seal_open(ring, "person", "name", 3, sealed.data, sealed.len, &plain), ERR_INVAL);

	/* Even when the other id holds the very same key bytes, the header is
	 * part of the associated data, so the relabelled value fails. */
	keyring_free(ring);
	write_file(fx->path, "hartline-keyring 1\nkey 1 " KEY_A "\nkey 2 " KEY_A "\ncurrent 1\n", 0600);
	ring = load_ok(fx->path);
	seal_ok(ring, "person", "name", 3, "Ana", 3, &sealed);
	assert_int_equal(seal_open(ring, "person", "name", 3, sealed.data, sealed.len, &plain), 0);
	sealed.data[4] = 2;
	assert_int_equal(seal_open(ring, "person", "name", 3, sealed.data, sealed.len, &plain), ERR_INVAL);
	assert_string_equal(buf_str(&plain), "Ana");

	buf_done(&sealed);
	buf_done(&plain);
	keyring_free(ring);
}

UNIT_TEST_WITH(a_value_whose_key_id_is_not_in_the_ring_gives_notfound, fx_setup, fx_teardown)
{
	struct fx *fx = *state;
	char err[256] = "";
	assert_int_equal(keyring_create(fx->path, err, sizeof err), 0);
	struct keyring *old = load_ok(fx->path);
	struct keyring *newer = load_ok(fx->path);
	uint32_t id = 0;
	assert_int_equal(keyring_rotate(fx->path, newer, &id, err, sizeof err), 0);
	assert_int_equal(id, 2);

	struct buf sealed, plain;
	buf_init(&sealed, 0);
	buf_init(&plain, 0);
	seal_ok(newer, "person", "name", 1, "Ana", 3, &sealed);
	assert_int_equal(seal_open(old, "person", "name", 1, sealed.data, sealed.len, &plain), ERR_NOTFOUND);
	assert_int_equal(plain.len, 0);
	buf_done(&sealed);
	buf_done(&plain);
	keyring_free(old);
	keyring_free(newer);
}

UNIT_TEST_WITH(seal_size_matches_what_seal_value_appends, fx_setup, fx_teardown)
{
	struct fx *fx = *state;
	struct keyring *ring = fixed_ring(fx);
	struct buf out;
	buf_init(&out, 0);
	assert_int_equal(buf_puts(&out, "prefix"), 0);
	static const size_t lens[] = {0, 1, 15, 16, 17, 100, 4096};
	char plain[4096];
	memset(plain, 'p', sizeof plain);
	for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		size_t before = out.len;
		assert_int_equal(seal_value(ring, "t", "c", 1, plain, lens[i], &out), 0);
		assert_int_equal(out.len - before, seal_size(lens[i]));
		assert_int_equal(seal_size(lens[i]), lens[i] + 45);
	}
	assert_memory_equal(out.data, "prefix", 6);
	assert_int_equal(seal_size(SIZE_MAX), SIZE_MAX);
	assert_int_equal(seal_size(SIZE_MAX - 44), SIZE_MAX);
	buf_done(&out);
	keyring_free(ring);
}

UNIT_TEST_WITH(a_sealed_value_starts_with_version_1_and_its_key_id_big_endian, fx_setup, fx_teardown)
{
	struct fx *fx = *state;
	write_file(fx->path, "hartline-keyring 1\nkey 258 " KEY_A "\ncurrent 258\n", 0600);
	struct keyring *ring = load_ok(fx->path);
	struct buf out;
	buf_init(&out, 0);
	seal_ok(ring, "t", "c", 1, "v", 1, &out);
	static const unsigned char head[] = {0x01, 0x00, 0x00, 0x01, 0x02};
	assert_memory_equal(out.data, head, sizeof head);
	uint32_t id = 0;
	assert_int_equal(seal_key_id(out.data, out.len, &id), 0);
	assert_int_equal(id, 258);
	buf_done(&out);
	keyring_free(ring);
}

UNIT_TEST_WITH(a_value_built_to_the_documented_format_opens, fx_setup, fx_teardown)
{
	struct fx *fx = *state;
	write_file(fx->path, "hartline-keyring 1\nkey 3 " KEY_A "\ncurrent 3\n", 0600);
	struct keyring *ring = load_ok(fx->path);

	/* Built here straight from the format in seal.h, not through seal_value. */
	unsigned char key[32];
	size_t key_len = 0;
	assert_int_equal(sodium_hex2bin(key, sizeof key, KEY_A, 64, NULL, &key_len, NULL), 0);
	assert_int_equal(key_len, 32);
	unsigned char v[5 + 24 + 5 + 16] = {0x01, 0, 0, 0, 3};
	memset(v + 5, 0xab, 24);
	static const char ad_tail[] = "hartline-seal-v1\0person\0name\0-12";
	unsigned char ad[5 + sizeof ad_tail - 1];
	memcpy(ad, v, 5);
	memcpy(ad + 5, ad_tail, sizeof ad_tail - 1);
	unsigned long long clen = 0;
	assert_int_equal(crypto_aead_xchacha20poly1305_ietf_encrypt(v + 29, &clen, (const unsigned char *)"Maria", 5,
	                                                            ad, sizeof ad, NULL, v + 5, key),
	                 0);
	assert_int_equal(clen, 5 + 16);

	struct buf plain;
	buf_init(&plain, 0);
	assert_int_equal(seal_open(ring, "person", "name", -12, v, sizeof v, &plain), 0);
	assert_string_equal(buf_str(&plain), "Maria");
	buf_done(&plain);
	sodium_memzero(key, sizeof key);
	keyring_free(ring);
}

UNIT_TEST_WITH(seal_key_id_rejects_short_values_and_other_versions, fx_setup, fx_teardown)
{
	unsigned char v[45] = {0x01, 0, 0, 0, 7};
	uint32_t id = 99;
	assert_int_equal(seal_key_id(v, sizeof v, &id), 0);
	assert_int_equal(id, 7);
	id = 99;
	assert_int_equal(seal_key_id(v, 44, &id), ERR_INVAL);
	assert_int_equal(seal_key_id(v, 0, &id), ERR_INVAL);
	assert_int_equal(seal_key_id(NULL, 0, &id), ERR_INVAL);
	v[0] = 0x02;
	assert_int_equal(seal_key_id(v, sizeof v, &id), ERR_INVAL);
	assert_int_equal(id, 99); /* untouched on failure */
}

/* ---- the key file ---- */

UNIT_TEST_WITH(a_created_key_file_has_mode_0600_and_one_current_key, fx_setup, fx_teardown)
{
	struct fx *fx = *state;
	char err[256] = "";
	/* Even under a umask that would leave it unreadable to its owner. */
	mode_t old_mask = umask(0277);
	int r = keyring_create(fx->path, err, sizeof err);
	umask(old_mask);
	assert_int_equal(r, 0);
	assert_int_equal(mode_of(fx->path), 0600);

	char *text = read_text(fx->path);
	assert_true(str_starts_with(text, "# hartline key file: keep it secret, mode 0600, and keep a copy apart "
	                                  "from database backups.\nhartline-keyring 1\nkey 1 "));
	assert_true(str_ends_with(text, "\ncurrent 1\n"));
	free(text);

	struct keyring *ring = load_ok(fx->path);
	assert_int_equal(keyring_count(ring), 1);
	assert_int_equal(keyring_current_id(ring), 1);
	keyring_free(ring);
}

UNIT_TEST_WITH(two_created_key_files_hold_different_keys, fx_setup, fx_teardown)
{
	struct fx *fx = *state;
	char other[160], err[256] = "";
	int n = snprintf(other, sizeof other, "%s/other.key", fx->dir);
	assert_true(n > 0 && (size_t)n < sizeof other);
	assert_int_equal(keyring_create(fx->path, err, sizeof err), 0);
	assert_int_equal(keyring_create(other, err, sizeof err), 0);
	char *a = read_text(fx->path), *b = read_text(other);
	assert_string_not_equal(a, b);
	free(a);
	free(b);
}

UNIT_TEST_WITH(create_refuses_an_existing_file_and_leaves_it_alone, fx_setup, fx_teardown)
{
	struct fx *fx = *state;
	char err[256] = "";
	write_file(fx->path, "precious\n", 0600);
	assert_int_equal(keyring_create(fx->path, err, sizeof err), ERR_EXISTS);
	assert_non_null(strstr(err, fx->path));
	char *text = read_text(fx->path);
	assert_string_equal(text, "precious\n");
	free(text);

	/* A second create over a real key file is refused the same way. */
	assert_int_equal(unlink(fx->path), 0);
	assert_int_equal(keyring_create(fx->path, err, sizeof err), 0);
	char *first = read_text(fx->path);
	assert_int_equal(keyring_create(fx->path, err, sizeof err), ERR_EXISTS);
	char *after = read_text(fx->path);
	assert_string_equal(first, after);
	free(first);
	free(after);
}

UNIT_TEST_WITH(a_key_file_readable_by_group_or_others_is_refused_with_the_chmod_hint, fx_setup, fx_teardown)
{
	struct fx *fx = *state;
	static const mode_t modes[] = {0644, 0640, 0604};
	for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		write_file(fx->path, "hartline-keyring 1\nkey 1 " KEY_A "\ncurrent 1\n", modes[i]);
		struct keyring *ring = NULL;
		char err[512] = "", want[512];
		assert_int_equal(keyring_load(fx->path, &ring, err, sizeof err), ERR_PERM);
		assert_null(ring);
		int n = snprintf(want, sizeof want, "%s: readable by group or others (mode %04o); run: chmod 600 %s",
		                 fx->path, (unsigned)modes[i], fx->path);
		assert_true(n > 0 && (size_t)n < sizeof want);
		assert_string_equal(err, want);
		assert_int_equal(unlink(fx->path), 0);
	}

	/* Writable by others is refused too. */
	write_file(fx->path, "hartline-keyring 1\nkey 1 " KEY_A "\ncurrent 1\n", 0602);
	struct keyring *ring = NULL;
	char err[512] = "";
	assert_int_equal(keyring_load(fx->path, &ring, err, sizeof err), ERR_PERM);
	assert_non_null(strstr(err, "chmod 600"));
	assert_null(ring);
}

UNIT_TEST_WITH(a_missing_key_file_is_notfound, fx_setup, fx_teardown)
{
	struct fx *fx = *state;
	struct keyring *ring = NULL;
	char err[256] = "";
	assert_int_equal(keyring_load(fx->path, &ring, err, sizeof err), ERR_NOTFOUND);
	assert_null(ring);
	assert_non_null(strstr(err, fx->path));
}

UNIT_TEST_WITH(a_directory_is_not_a_key_file, fx_setup, fx_teardown)
{
	struct fx *fx = *state;
	struct keyring *ring = NULL;
	char err[256] = "";
	assert_int_equal(chmod(fx->dir, 0700), 0);
	assert_int_equal(keyring_load(fx->dir, &ring, err, sizeof err), ERR_INVAL);
	assert_null(ring);
}

UNIT_TEST_WITH(comments_blank_lines_and_crlf_are_accepted, fx_setup, fx_teardown)
{
	struct fx *fx = *state;
	write_file(fx->path,
	           "# a comment\n\n  # indented comment\r\nhartline-keyring 1\r\n\tkey 1 " KEY_A "  \n\nkey 7 " KEY_B
	           "\ncurrent 7",
	           0600);
	struct keyring *ring = load_ok(fx->path);
	assert_int_equal(keyring_count(ring), 2);
	assert_int_equal(keyring_current_id(ring), 7);
	keyring_free(ring);
}

struct bad_case {
	const char *text;
	const char *want; /* expected after "PATH: " */
};

UNIT_TEST_WITH(malformed_key_files_are_refused_naming_the_line, fx_setup, fx_teardown)
{
	struct fx *fx = *state;
	static const struct bad_case cases[] = {
	        {"hartline-keyring 1\nkey 1 " KEY_A "\nkey 2 00112233zz\ncurrent 1\n",
	         "line 3: key must be 64 hex digits"},
	        {"hartline-keyring 1\nkey 1 " KEY_A "g\ncurrent 1\n", "line 2: key must be 64 hex digits"},
	        {"# c\nhartline-keyring 1\nkey 1 " KEY_A "\n\nkey 1 " KEY_B "\ncurrent 1\n",
	         "line 5: duplicate key id 1"},
	        {"hartline-keyring 1\nkey 1 " KEY_A "\nkey 2 " KEY_B "\ncurrent 3\n",
	         "line 4: current key 3 is not in the file"},
	        {"hartline-keyring 1\ncurrent 1\n", "line 2: no keys in the file"},
	        {"hartline-keyring 1\nkey 1 " KEY_A "\n", "line 2: no 'current ID' line"},
	        {"hartline-keyring 1\nkey 1 " KEY_A "\nfrobnicate 1\ncurrent 1\n",
	         "line 3: unknown line (expected 'key ID HEX' or 'current ID')"},
	        {"key 1 " KEY_A "\ncurrent 1\n",
	         "line 1: not a hartline key file (expected 'hartline-keyring 1' first)"},
	        {"hartline-keyring 2\nkey 1 " KEY_A "\ncurrent 1\n",
	         "line 1: unsupported key file version (this program reads 'hartline-keyring 1')"},
	        {"hartline-keyring 1\nkey 0 " KEY_A "\ncurrent 1\n",
	         "line 2: key id must be a number from 1 to 4294967295"},
	        {"hartline-keyring 1\nkey 4294967296 " KEY_A "\ncurrent 1\n",
	         "line 2: key id must be a number from 1 to 4294967295"},
	        {"hartline-keyring 1\nkey 1 " KEY_A " extra\ncurrent 1\n", "line 2: expected 'key ID HEX'"},
	        {"hartline-keyring 1\nkey 1 " KEY_A "\ncurrent 1\ncurrent 1\n", "line 4: a second 'current' line"},
	        {"hartline-keyring 1\nkey 1 " KEY_A "\ncurrent one\n", "line 3: expected 'current ID'"},
	        {"", "line 1: not a hartline key file (expected 'hartline-keyring 1' first)"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		write_file(fx->path, cases[i].text, 0600);
		struct keyring *ring = NULL;
		char err[512] = "", want[512];
		int n = snprintf(want, sizeof want, "%s: %s", fx->path, cases[i].want);
		assert_true(n > 0 && (size_t)n < sizeof want);
		int r = keyring_load(fx->path, &ring, err, sizeof err);
		if (r != ERR_PARSE || strcmp(err, want) != 0)
			print_error("case %zu: got %d \"%s\"\n", i, r, err);
		assert_int_equal(r, ERR_PARSE);
		assert_string_equal(err, want);
		assert_null(ring);
	}
}

UNIT_TEST_WITH(a_parse_error_never_quotes_key_material, fx_setup, fx_teardown)
{
	struct fx *fx = *state;
	/* A key line mangled into an unknown line. */
	write_file(fx->path, "hartline-keyring 1\nkey1 " KEY_A "\ncurrent 1\n", 0600);
	struct keyring *ring = NULL;
	char err[512] = "";
	assert_int_equal(keyring_load(fx->path, &ring, err, sizeof err), ERR_PARSE);
	assert_null(strstr(err, "0011223344"));
}

UNIT_TEST_WITH(a_key_file_with_a_nul_byte_is_refused, fx_setup, fx_teardown)
{
	struct fx *fx = *state;
	static const char text[] = "hartline-keyring 1\nkey 1 " KEY_A "\ncur\0rent 1\n";
	int fd = open(fx->path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof text - 1), (ssize_t)(sizeof text - 1));
	assert_int_equal(close(fd), 0);
	struct keyring *ring = NULL;
	char err[512] = "";
	assert_int_equal(keyring_load(fx->path, &ring, err, sizeof err), ERR_PARSE);
	assert_non_null(strstr(err, "line 3: contains a NUL byte"));
}

/* ---- rotation ---- */

UNIT_TEST_WITH(rotate_adds_key_2_as_current_and_old_values_still_open, fx_setup, fx_teardown)
{
	struct fx *fx = *state;
	char err[256] = "";
	assert_int_equal(keyring_create(fx->path, err, sizeof err), 0);
	struct keyring *ring = load_ok(fx->path);
	struct buf old_sealed, new_sealed, plain;
	buf_init(&old_sealed, 0);
	buf_init(&new_sealed, 0);
	buf_init(&plain, 0);
	seal_ok(ring, "person", "name", 9, "Old Name", 8, &old_sealed);

	uint32_t id = 0;
	assert_int_equal(keyring_rotate(fx->path, ring, &id, err, sizeof err), 0);
	assert_int_equal(id, 2);
	assert_int_equal(keyring_current_id(ring), 2);
	assert_int_equal(keyring_count(ring), 2);

	/* Values sealed under key 1 still open. */
	assert_int_equal(seal_open(ring, "person", "name", 9, old_sealed.data, old_sealed.len, &plain), 0);
	assert_string_equal(buf_str(&plain), "Old Name");

	/* New values carry key id 2. */
	seal_ok(ring, "person", "name", 9, "New Name", 8, &new_sealed);
	uint32_t kid = 0;
	assert_int_equal(seal_key_id(new_sealed.data, new_sealed.len, &kid), 0);
	assert_int_equal(kid, 2);

	/* The rewritten file is still 0600, leaves no temporary behind, and
	 * reloads to the same ring: each opens what the other sealed. */
	assert_int_equal(mode_of(fx->path), 0600);
	char tmp[200];
	int n = snprintf(tmp, sizeof tmp, "%s.tmp", fx->path);
	assert_true(n > 0 && (size_t)n < sizeof tmp);
	assert_int_equal(access(tmp, F_OK), -1);
	char *text = read_text(fx->path);
	assert_true(str_ends_with(text, "\ncurrent 2\n"));
	assert_non_null(strstr(text, "\nkey 1 "));
	assert_non_null(strstr(text, "\nkey 2 "));
	free(text);

	struct keyring *again = load_ok(fx->path);
	assert_int_equal(keyring_count(again), 2);
	assert_int_equal(keyring_current_id(again), 2);
	buf_clear(&plain);
	assert_int_equal(seal_open(again, "person", "name", 9, old_sealed.data, old_sealed.len, &plain), 0);
	assert_string_equal(buf_str(&plain), "Old Name");
	buf_clear(&plain);
	assert_int_equal(seal_open(again, "person", "name", 9, new_sealed.data, new_sealed.len, &plain), 0);
	assert_string_equal(buf_str(&plain), "New Name");
	seal_ok(again, "person", "name", 9, "Reloaded", 8, &new_sealed);
	buf_clear(&plain);
	assert_int_equal(seal_open(ring, "person", "name", 9, new_sealed.data, new_sealed.len, &plain), 0);
	assert_string_equal(buf_str(&plain), "Reloaded");

	/* A second rotation from either ring continues the sequence. */
	assert_int_equal(keyring_rotate(fx->path, again, &id, err, sizeof err), 0);
	assert_int_equal(id, 3);
	assert_int_equal(keyring_count(again), 3);

	keyring_free(again);
	keyring_free(ring);
	buf_done(&old_sealed);
	buf_done(&new_sealed);
	buf_done(&plain);
}

UNIT_TEST_WITH(rotate_takes_the_highest_id_plus_one_not_the_current_plus_one, fx_setup, fx_teardown)
{
	struct fx *fx = *state;
	write_file(fx->path, "hartline-keyring 1\nkey 5 " KEY_B "\nkey 2 " KEY_A "\ncurrent 2\n", 0600);
	struct keyring *ring = load_ok(fx->path);
	char err[256] = "";
	uint32_t id = 0;
	assert_int_equal(keyring_rotate(fx->path, ring, &id, err, sizeof err), 0);
	assert_int_equal(id, 6);
	assert_int_equal(keyring_current_id(ring), 6);
	keyring_free(ring);
}

UNIT_TEST_WITH(rotate_refuses_when_the_key_file_changed_since_it_was_loaded, fx_setup, fx_teardown)
{
	struct fx *fx = *state;
	char err[256] = "";
	assert_int_equal(keyring_create(fx->path, err, sizeof err), 0);
	struct keyring *stale = load_ok(fx->path);
	struct keyring *other = load_ok(fx->path);
	uint32_t id = 0;
	assert_int_equal(keyring_rotate(fx->path, other, &id, err, sizeof err), 0);
	char *before = read_text(fx->path);

	/* Rotating the stale ring would write a different key 2 and lose the
	 * one the other process may already have sealed values under. */
	id = 77;
	assert_int_equal(keyring_rotate(fx->path, stale, &id, err, sizeof err), ERR_CONFLICT);
	assert_non_null(strstr(err, "changed since it was loaded"));
	assert_int_equal(id, 77);
	assert_int_equal(keyring_count(stale), 1);
	assert_int_equal(keyring_current_id(stale), 1);
	char *after = read_text(fx->path);
	assert_string_equal(before, after);
	free(before);
	free(after);

	/* Same ids, other key bytes (the file was replaced): refused too. */
	write_file(fx->path, "hartline-keyring 1\nkey 1 " KEY_A "\nkey 2 " KEY_B "\ncurrent 2\n", 0600);
	assert_int_equal(keyring_rotate(fx->path, other, &id, err, sizeof err), ERR_CONFLICT);
	assert_int_equal(keyring_count(other), 2);
	keyring_free(stale);
	keyring_free(other);
}

UNIT_TEST_WITH(rotate_refuses_a_key_file_that_became_world_readable, fx_setup, fx_teardown)
{
	struct fx *fx = *state;
	char err[512] = "";
	assert_int_equal(keyring_create(fx->path, err, sizeof err), 0);
	struct keyring *ring = load_ok(fx->path);
	assert_int_equal(chmod(fx->path, 0644), 0);
	uint32_t id = 0;
	assert_int_equal(keyring_rotate(fx->path, ring, &id, err, sizeof err), ERR_PERM);
	assert_int_equal(keyring_count(ring), 1);
	assert_int_equal(mode_of(fx->path), 0644);
	keyring_free(ring);
}

UNIT_TEST_WITH(a_temporary_file_left_by_a_crashed_rotation_does_not_block_the_next, fx_setup, fx_teardown)
{
	struct fx *fx = *state;
	char err[256] = "", tmp[200];
	int n = snprintf(tmp, sizeof tmp, "%s.tmp", fx->path);
	assert_true(n > 0 && (size_t)n < sizeof tmp);
	assert_int_equal(keyring_create(fx->path, err, sizeof err), 0);
	write_file(tmp, "half a key file", 0644);
	struct keyring *ring = load_ok(fx->path);
	uint32_t id = 0;
	assert_int_equal(keyring_rotate(fx->path, ring, &id, err, sizeof err), 0);
	assert_int_equal(id, 2);
	assert_int_equal(access(tmp, F_OK), -1);
	assert_int_equal(mode_of(fx->path), 0600);
	keyring_free(ring);
}

UNIT_TEST_WITH(rotate_of_a_missing_file_is_notfound_and_leaves_the_ring_alone, fx_setup, fx_teardown)
{
	struct fx *fx = *state;
	struct keyring *ring = fixed_ring(fx);
	assert_int_equal(unlink(fx->path), 0);
	char err[256] = "";
	uint32_t id = 0;
	assert_int_equal(keyring_rotate(fx->path, ring, &id, err, sizeof err), ERR_NOTFOUND);
	assert_int_equal(keyring_count(ring), 2);
	assert_int_equal(keyring_current_id(ring), 1);
	assert_int_equal(access(fx->path, F_OK), -1);
	keyring_free(ring);
}

struct worker {
	const struct keyring *ring;
	int failures;
};

static void *seal_and_open_in_a_loop(void *arg)
{
	struct worker *w = arg;
	struct buf sealed, plain;
	buf_init(&sealed, 0);
	buf_init(&plain, 0);
	for (int i = 0; i < 2000; i++) {
		buf_clear(&sealed);
		buf_clear(&plain);
		if (seal_value(w->ring, "person", "name", i, "Ana", 3, &sealed) < 0 ||
		    seal_open(w->ring, "person", "name", i, sealed.data, sealed.len, &plain) < 0 ||
		    strcmp(buf_str(&plain), "Ana") != 0)
			w->failures++;
	}
	buf_done(&sealed);
	buf_done(&plain);
	return NULL;
}

UNIT_TEST_WITH(rotation_while_other_threads_seal_and_open_is_safe, fx_setup, fx_teardown)
{
	struct fx *fx = *state;
	char err[256] = "";
	assert_int_equal(keyring_create(fx->path, err, sizeof err), 0);
	struct keyring *ring = load_ok(fx->path);
	struct worker w[4];
	pthread_t th[4];
	for (int i = 0; i < 4; i++) {
		w[i].ring = ring;
		w[i].failures = 0;
		assert_int_equal(pthread_create(&th[i], NULL, seal_and_open_in_a_loop, &w[i]), 0);
	}
	for (uint32_t want = 2; want <= 6; want++) {
		uint32_t id = 0;
		assert_int_equal(keyring_rotate(fx->path, ring, &id, err, sizeof err), 0);
		assert_int_equal(id, want);
	}
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(w[i].failures, 0);
	}
	assert_int_equal(keyring_count(ring), 6);
	assert_int_equal(keyring_current_id(ring), 6);
	keyring_free(ring);
}

UNIT_TEST_WITH(keyring_free_accepts_null, fx_setup, fx_teardown)
{
	keyring_free(NULL);
	assert_int_equal(keyring_count(NULL), 0);
	assert_int_equal(keyring_current_id(NULL), 0);
}


int main(void)
{
	return unit_run("seal", NULL, NULL);
}
