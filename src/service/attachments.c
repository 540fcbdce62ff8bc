/* attachments.c: files attached to a case or a child, taken and given as
 * streams (service/attachments.h, docs/attachments.md). */
#include "service/attachments.h"

#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/seal.h"
#include "base/str.h"
#include "db/db.h"
#include "model/sniff.h"
#include "service/audit.h"
#include "service/cases/cases_int.h"
#include "service/persons/persons_int.h"
#include "service/relief.h"
#include "service/sealed.h"

#define SPOOL_ABYTES crypto_secretstream_xchacha20poly1305_ABYTES
#define LIST_DEFAULT 50
/* What each chunk's sealed bytes begin with: the attachment's id (8 bytes),
 * the chunk's place (4) and the number of chunks (4), big-endian. The seal
 * binds the bytes to their row; the header binds the row to its file, its
 * place and the file's length, so chunks cannot be moved, swapped or cut. */
#define CHUNK_HEAD 16

static void chunk_head(unsigned char out[CHUNK_HEAD], int64_t id, int64_t seq, int64_t chunks)
{
	uint64_t v = (uint64_t)id;
	for (int i = 7; i >= 0; i--, v >>= 8)
		out[i] = (unsigned char)v;
	uint32_t s = (uint32_t)seq, c = (uint32_t)chunks;
	for (int i = 3; i >= 0; i--, s >>= 8, c >>= 8) {
		out[8 + i] = (unsigned char)s;
		out[12 + i] = (unsigned char)c;
	}
}

static const char *owner_type(enum attach_owner kind)
{
	return kind == ATTACH_CASE ? "case" : "person";
}

/* ---- who may reach the owner ---- */

/* The permission, then the owner as its own reads check it: a case in
 * scope and not restricted by relief (or the glass broken), a child the
 * actor reaches. *ret_db is this thread's connection. */
static int owner_access(const struct svc_ctx *ctx, enum perm perm, enum attach_owner kind, int64_t owner,
			struct db **ret_db)
{
	int r;
	if (kind == ATTACH_CASE) {
		struct case_head h;
		bool mdt = false;
		if ((r = cases_access(ctx, perm, owner, ret_db, &h, &mdt)) < 0)
			return r;
		return relief_read_check(ctx, *ret_db, "case", owner);
	}
	struct person_reach pr;
	if ((r = svc_enter(ctx, perm, ret_db)) < 0)
		return r;
	persons_reach(ctx, &pr);
	return persons_reached(ctx, *ret_db, &pr, owner);
}

/* A child's record merged into another takes no file: ERR_CONFLICT, with
 * the kept record named in errs. */
static int not_merged(struct db *db, enum attach_owner kind, int64_t owner, struct field_errors *errs)
{
	int64_t into = 0;
	int r = kind == ATTACH_PERSON ? persons_merged_into(db, owner, &into) : 0;
	if (r < 0 || !into)
		return r;
	field_error_add(errs, "person",
			"This child's record was merged into record %lld, which is kept: open that record and"
			" attach the file there.",
			(long long)into);
	return ERR_CONFLICT;
}

/* A name or description: text on one line, valid UTF-8. */
static bool good_text(const char *s, size_t max)
{
	if (!str_is_line(s, max))
		return false;
	struct sniff sn;
	sniff_init(&sn);
	sniff_feed(&sn, s, strlen(s));
	return sn.text && !sn.need;
}

/* Whether valid UTF-8 s holds a control that turns text around or is no
 * character at all: U+0080 to U+009F, U+200E, U+200F, U+202A to U+202E,
 * U+2066 to U+2069. "report\u202Efdp.exe" reads as "reportexe.pdf". */
static bool has_hidden_control(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F)
			return true;
		if (p[0] == 0xE2 && p[1] == 0x80 && (p[2] == 0x8E || p[2] == 0x8F || (p[2] >= 0xAA && p[2] <= 0xAE)))
			return true;
		if (p[0] == 0xE2 && p[1] == 0x81 && p[2] >= 0xA6 && p[2] <= 0xA9)
			return true;
	}
	return false;
}

/* The name a file is saved as: name with the extension of the kind its
 * content is (a wrong one replaced, a missing one added), so a PDF named
 * "report.html" is saved as "report.pdf". A kind not known: ".bin". */
static char *saved_name(const char *name, const char *media_type)
{
	const char *ext = sniff_extension(sniff_kind_of(media_type));
	if (!ext)
		ext = "bin";
	size_t n = strlen(name);
	const char *dot = strrchr(name, '.');
	if (dot && dot > name) {
		const char *e = dot + 1;
		bool word = *e && strlen(e) <= 5;
		for (const char *c = e; word && *c; c++)
			word = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9');
		if (word && (strcasecmp(e, ext) == 0 || (strcmp(ext, "jpg") == 0 && strcasecmp(e, "jpeg") == 0)))
			return strdup(name);
		if (word)
			n = (size_t)(dot - name);
	}
	size_t size = n + strlen(ext) + 2;
	char *out = malloc(size);
	if (out && snprintf(out, size, "%.*s.%s", (int)n, name, ext) < 0) {
		free(out);
		out = NULL;
	}
	return out;
}

/* ---- upload ---- */

struct attach_upload {
	struct svc_ctx ctx;
	enum attach_owner kind;
	int64_t owner, cap;
	char *name, *description;
	uint64_t size;
	bool too_big;
	int error; /* the spool could not be written: the upload is lost */
	struct sniff sniff;
	/* The spool: the file so far, sealed chunk by chunk with a key that
	 * is never written anywhere, in a file already unlinked. */
	FILE *spool;
	unsigned char key[crypto_secretstream_xchacha20poly1305_KEYBYTES];
	unsigned char header[crypto_secretstream_xchacha20poly1305_HEADERBYTES];
	crypto_secretstream_xchacha20poly1305_state push;
	unsigned char *plain, *sealed; /* ATTACH_CHUNK bytes, and sealed room */
	size_t nplain;
	int64_t chunks; /* chunks in the spool */
};

/* The spool: a file in TMPDIR (else /tmp) with no name, mode 0600, gone
 * when closed or when the process ends. */
static FILE *spool_open(void)
{
	const char *dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
	int fd = open(dir, O_TMPFILE | O_RDWR | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		/* A file system without O_TMPFILE: a unique name, unlinked at once. */
		char path[4096];
		int n = snprintf(path, sizeof path, "%s/hartline-upload-XXXXXX", dir);
		if (n < 0 || (size_t)n >= sizeof path || (fd = mkostemp(path, O_CLOEXEC)) < 0)
			return NULL;
		if (unlink(path) != 0) {
			close(fd);
			return NULL;
		}
	}
	FILE *f = fdopen(fd, "w+b");
	if (!f)
		close(fd);
	return f;
}

static int check_begin(const char *name, const char *description, struct field_errors *errs)
{
	static const char hidden[] = "it holds an invisible control that can make it read differently than it is:"
				     " type it again without it";
	if (!name || !*name)
		field_error_add(errs, "name", "type the file's name");
	else if (!good_text(name, ATTACH_NAME_MAX) || strchr(name, '/') || strchr(name, '\\'))
		field_error_add(errs, "name",
				"a file name on one line, without / or \\, of at most %d letters (fewer when they"
				" carry accents or are of another alphabet)",
				ATTACH_NAME_MAX);
	else if (has_hidden_control(name))
		field_error_add(errs, "name", "%s", hidden);
	if (description && *description && !good_text(description, ATTACH_DESCRIPTION_MAX))
		field_error_add(errs, "description",
				"one line of at most %d letters (fewer when they carry accents or are of another"
				" alphabet)",
				ATTACH_DESCRIPTION_MAX);
	else if (description && has_hidden_control(description))
		field_error_add(errs, "description", "%s", hidden);
	return field_errors_any(errs) ? ERR_INVAL : 0;
}

int svc_attachment_begin(const struct svc_ctx *ctx, enum attach_owner kind, int64_t owner, const char *name,
			 const char *description, int64_t declared, struct field_errors *errs,
			 struct attach_upload **ret)
{
	struct db *db;
	int r = owner_access(ctx, PERM_ATTACHMENTS_WRITE, kind, owner, &db);
	if (r < 0 || (r = not_merged(db, kind, owner, errs)) < 0 || (r = check_begin(name, description, errs)) < 0)
		return r;
	int64_t cap = ctx->app->pack->attachments.max_bytes;
	if (declared > cap)
		return ERR_TOOBIG;
	struct attach_upload *u = calloc(1, sizeof *u);
	if (!u)
		return ERR_NOMEM;
	u->ctx = *ctx;
	u->kind = kind;
	u->owner = owner;
	u->cap = cap;
	sniff_init(&u->sniff);
	crypto_secretstream_xchacha20poly1305_keygen(u->key);
	if (!(u->name = strdup(name)) || (description && *description && !(u->description = strdup(description))) ||
	    !(u->plain = malloc(ATTACH_CHUNK)) || !(u->sealed = malloc(ATTACH_CHUNK + SPOOL_ABYTES))) {
		svc_attachment_upload_free(u);
		return ERR_NOMEM;
	}
	if (!(u->spool = spool_open()) ||
	    crypto_secretstream_xchacha20poly1305_init_push(&u->push, u->header, u->key) != 0) {
		svc_attachment_upload_free(u);
		return ERR_IO;
	}
	*ret = u;
	return 0;
}

/* Seal the chunk in plain into the spool. */
static int spool_chunk(struct attach_upload *u)
{
	unsigned long long n = 0;
	if (crypto_secretstream_xchacha20poly1305_push(&u->push, u->sealed, &n, u->plain, u->nplain, NULL, 0, 0) != 0)
		return ERR_IO;
	if (fwrite(u->sealed, 1, (size_t)n, u->spool) != (size_t)n)
		return ERR_IO;
	u->chunks++;
	u->nplain = 0;
	return 0;
}

int svc_attachment_write(struct attach_upload *u, const void *data, size_t len)
{
	if (u->error)
		return u->error;
	if (u->too_big || u->size + len > (uint64_t)u->cap) {
		u->too_big = true;
		return ERR_TOOBIG;
	}
	u->size += len;
	sniff_feed(&u->sniff, data, len);
	const unsigned char *p = data;
	while (len) {
		size_t n = ATTACH_CHUNK - u->nplain < len ? ATTACH_CHUNK - u->nplain : len;
		memcpy(u->plain + u->nplain, p, n);
		u->nplain += n;
		p += n;
		len -= n;
		int r;
		if (u->nplain == ATTACH_CHUNK && (r = spool_chunk(u)) < 0)
			return u->error = r;
	}
	return 0;
}

int64_t svc_attachment_cap(const struct attach_upload *u)
{
	return u->cap;
}

void svc_attachment_upload_free(struct attach_upload *u)
{
	if (!u)
		return;
	if (u->spool)
		fclose(u->spool);
	sodium_memzero(u->key, sizeof u->key);
	sodium_memzero(&u->push, sizeof u->push);
	if (u->plain)
		sodium_memzero(u->plain, ATTACH_CHUNK);
	free(u->plain);
	free(u->sealed);
	free(u->name);
	free(u->description);
	free(u);
}

/* Copy the spool into attachment id's chunk rows, each opened with the
 * spool's key and sealed again with the installation's, bound to its row. */
static int store_chunks(struct db *db, struct attach_upload *u, int64_t id)
{
	crypto_secretstream_xchacha20poly1305_state pull;
	unsigned char *framed = malloc(CHUNK_HEAD + ATTACH_CHUNK);
	if (!framed)
		return ERR_NOMEM;
	if (fflush(u->spool) != 0 || fseek(u->spool, 0, SEEK_SET) != 0 ||
	    crypto_secretstream_xchacha20poly1305_init_pull(&pull, u->header, u->key) != 0) {
		free(framed);
		return ERR_IO;
	}
	struct buf sealed;
	buf_init(&sealed, 0);
	uint64_t left = u->size;
	int r = 0;
	for (int64_t seq = 0; r == 0 && seq < u->chunks; seq++) {
		size_t plen = left < ATTACH_CHUNK ? (size_t)left : ATTACH_CHUNK;
		unsigned long long got = 0;
		unsigned char tag;
		int64_t cid = 0;
		left -= plen;
		buf_clear(&sealed);
		if (fread(u->sealed, 1, plen + SPOOL_ABYTES, u->spool) != plen + SPOOL_ABYTES ||
		    crypto_secretstream_xchacha20poly1305_pull(&pull, u->plain, &got, &tag, u->sealed,
							       plen + SPOOL_ABYTES, NULL, 0) != 0 ||
		    got != plen)
			r = ERR_IO;
		if (r == 0)
			r = db_int64f(db, &cid,
				      "INSERT INTO attachment_chunk (attachment_id, seq) VALUES (?, ?) RETURNING id",
				      "ii", id, seq);
		if (r == 0) {
			chunk_head(framed, id, seq, u->chunks);
			memcpy(framed + CHUNK_HEAD, u->plain, plen);
			r = seal_value(u->ctx.app->keys, "attachment_chunk", "data", cid, framed, CHUNK_HEAD + plen,
				       &sealed);
		}
		if (r == 0)
			r = db_execf(db, "UPDATE attachment_chunk SET data = ? WHERE id = ?", "bi", sealed.data,
				     sealed.len, cid);
	}
	sodium_memzero(&pull, sizeof pull);
	sodium_memzero(framed, CHUNK_HEAD + ATTACH_CHUNK);
	free(framed);
	buf_done(&sealed);
	return r;
}

static int read_one(const struct svc_ctx *ctx, struct db *db, int64_t id, json_t **ret);

static int finish(struct attach_upload *u, struct field_errors *errs, json_t **ret)
{
	if (u->too_big)
		return ERR_TOOBIG;
	if (u->error)
		return u->error;
	enum sniff_kind k = sniff_result(&u->sniff);
	if (k == SNIFF_EMPTY) {
		field_error_add(errs, "file", "the file is empty: choose the file again");
		return ERR_INVAL;
	}
	if (!sniff_allowed(k)) {
		field_error_add(errs, "file",
				"this kind of file (%s) cannot be attached: attach a PDF document, a photo or "
				"picture, or plain text",
				sniff_label(k));
		return ERR_INVAL;
	}
	int r;
	if (u->nplain && (r = spool_chunk(u)) < 0)
		return r;
	/* Who may attach is checked again: the upload took time. */
	struct db *db;
	if ((r = owner_access(&u->ctx, PERM_ATTACHMENTS_WRITE, u->kind, u->owner, &db)) < 0 ||
	    (r = not_merged(db, u->kind, u->owner, errs)) < 0 || (r = db_begin(db)) < 0)
		return r;
	char at[32];
	int64_t id = 0;
	if ((r = time_format(now(), at, sizeof at)) == 0)
		r = db_int64f(db, &id,
		      u->kind == ATTACH_CASE
			      ? "INSERT INTO attachment (case_id, content_type, size_bytes, chunks, added_by, added_at)"
				" VALUES (?, ?, ?, ?, ?, ?) RETURNING id"
			      : "INSERT INTO attachment (person_id, content_type, size_bytes, chunks, added_by, added_at)"
				" VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
		      "itiiit", u->owner, sniff_media_type(k), (int64_t)u->size, u->chunks, u->ctx.actor->user_id, at);
	if (r == 0 && (r = sealed_put(db, u->ctx.app, "attachment", "name", id, u->name)) == 0 &&
	    (r = sealed_put(db, u->ctx.app, "attachment", "description", id, u->description)) == 0 &&
	    (r = store_chunks(db, u, id)) == 0)
		r = svc_audit_appendf(db, &u->ctx, "attachment.add", owner_type(u->kind), u->owner,
				      "attachment=%lld type=%s bytes=%llu", (long long)id, sniff_media_type(k),
				      (unsigned long long)u->size);
	if ((r = cases_end(db, r)) < 0)
		return r;
	return read_one(&u->ctx, db, id, ret);
}

int svc_attachment_finish(struct attach_upload *u, struct field_errors *errs, json_t **ret)
{
	int r = finish(u, errs, ret);
	/* The upload is over, whatever came of it: the spool goes now, before
	 * the answer leaves. */
	if (u->spool)
		fclose(u->spool);
	u->spool = NULL;
	if (!u->error)
		u->error = ERR_INVAL;
	return r;
}

/* ---- list ---- */

#define ITEM_SELECT                                                                                         \
	"SELECT a.id, a.name, a.description, a.content_type, a.size_bytes, a.added_at, u.id, u.username,"  \
	" u.display_name"
#define ITEM_FROM " FROM attachment a JOIN app_user u ON u.id = a.added_by"
#define ITEM_COLUMNS ITEM_SELECT ITEM_FROM

/* The current row of an ITEM_COLUMNS statement as an item. */
static int item_json(struct app *app, struct db_stmt *st, json_t **ret)
{
	int64_t id = db_column_int64(st, 0), uid = db_column_int64(st, 6);
	const char *type = db_column_text(st, 3);
	char href[64];
	snprintf(href, sizeof href, "/api/v1/attachments/%lld", (long long)id);
	json_t *by = json_pack("{s:I, s:s}", "id", (json_int_t)uid, "username", db_column_text(st, 7));
	if (!by)
		return ERR_NOMEM;
	json_t *j = json_pack("{s:I, s:s, s:s, s:I, s:s, s:o, s:s}", "id", (json_int_t)id, "content_type", type,
			      "kind", sniff_label(sniff_kind_of(type)), "size", (json_int_t)db_column_int64(st, 4),
			      "added_at", db_column_text(st, 5), "added_by", by, "href", href);
	int r = j ? 0 : ERR_NOMEM;
	if (r == 0)
		r = sealed_json(app, st, 1, "attachment", "name", id, j, "name");
	const char *name = json_string_value(json_object_get(j, "name"));
	char *saved = r == 0 && name ? saved_name(name, type) : NULL;
	if (r == 0 && (!saved || json_object_set_new(j, "download_name", json_string(saved)) < 0))
		r = ERR_NOMEM;
	free(saved);
	if (r == 0)
		r = sealed_json(app, st, 2, "attachment", "description", id, j, "description");
	if (r == 0)
		r = sealed_json(app, st, 8, "app_user", "display_name", uid, by, "display_name");
	if (r < 0) {
		json_decref(j);
		return r;
	}
	*ret = j;
	return 0;
}

static int read_one(const struct svc_ctx *ctx, struct db *db, int64_t id, json_t **ret)
{
	struct db_stmt *st;
	int r = db_rowf(db, &st, ITEM_COLUMNS " WHERE a.id = ?", "i", id);
	if (r < 0)
		return r;
	r = item_json(ctx->app, st, ret);
	db_finalize(st);
	return r;
}

static const struct page_sort attachment_sorts[] = {
	{"id", "a.id"},
	{"added_at", "a.added_at"},
	{NULL, NULL},
};
static const struct page_list attachments_page_list = {"attachments", "a.id", attachment_sorts, "-id"};

/* The page's rows: ITEM_COLUMNS, then the sort key (column 9). */
static int list_rows(const struct svc_ctx *ctx, struct db *db, enum attach_owner kind, int64_t owner,
		     struct list_page *p, json_t *items)
{
	struct sqlb *s = malloc(sizeof *s);
	if (!s)
		return ERR_NOMEM;
	sqlb_init(s);
	sqlb_add(s, ITEM_SELECT ", ", "");
	page_sql_key(s, p);
	sqlb_add(s, kind == ATTACH_CASE ? ITEM_FROM " WHERE a.case_id = ?" : ITEM_FROM " WHERE a.person_id = ?", "i",
		 owner);
	page_sql_after(s, p);
	page_sql_order(s, p);
	struct db_stmt *st;
	int r = sqlb_prepare(db, s, &st);
	free(s);
	if (r < 0)
		return r;
	while ((r = db_step(st)) == DB_ROW && page_row_at(p, st, 9, 0)) {
		json_t *j;
		if ((r = item_json(ctx->app, st, &j)) < 0 || (r = json_array_append_new(items, j) < 0 ? ERR_NOMEM : 0) < 0)
			break;
	}
	db_finalize(st);
	return r < 0 ? r : 0;
}

int svc_attachments_list(const struct svc_ctx *ctx, enum attach_owner kind, int64_t owner,
			 const struct page_query *q, struct field_errors *errs, json_t **ret)
{
	struct db *db;
	struct list_page p;
	int r = owner_access(ctx, PERM_ATTACHMENTS_READ, kind, owner, &db);
	if (r < 0)
		return r;
	if ((r = page_parse(&attachments_page_list, q, &p, errs)) < 0)
		return r;
	if ((r = db_begin(db)) < 0)
		return r;
	json_t *items = json_array();
	r = items ? list_rows(ctx, db, kind, owner, &p, items) : ERR_NOMEM;
	if (r == 0)
		r = svc_audit_appendf(db, ctx, "attachment.list", owner_type(kind), owner, "count=%zu",
				      json_array_size(items));
	if ((r = cases_end(db, r)) < 0) {
		json_decref(items);
		return r;
	}
	return page_answer(&p, items, ret);
}

/* ---- download ---- */

struct attach_read {
	struct app *app;
	int64_t id, size, chunks, seq, sent;
	struct buf plain;
};

int svc_attachment_open(const struct svc_ctx *ctx, int64_t id, struct attach_info *info, struct attach_read **ret)
{
	struct db *db;
	struct db_stmt *st;
	int r = svc_enter(ctx, PERM_ATTACHMENTS_READ, &db);
	if (r < 0 || (r = db_rowf(db, &st,
				  "SELECT case_id, person_id, content_type, size_bytes, chunks, name FROM attachment"
				  " WHERE id = ?",
				  "i", id)) < 0)
		return r;
	enum attach_owner kind = db_column_is_null(st, 0) ? ATTACH_PERSON : ATTACH_CASE;
	int64_t owner = db_column_int64(st, kind == ATTACH_CASE ? 0 : 1);
	struct attach_info in = {.id = id, .size = db_column_int64(st, 3)};
	int64_t chunks = db_column_int64(st, 4);
	/* The type served comes from the kinds an attachment may be, whatever
	 * the row says; the name saved ends as that kind does. */
	const char *type = sniff_media_type(sniff_kind_of(db_column_text(st, 2)));
	char *name = NULL;
	r = str_copy(in.content_type, sizeof in.content_type, type ? type : "application/octet-stream");
	if (r == 0)
		r = sealed_get(ctx->app, st, 5, "attachment", "name", id, &name);
	if (r == 0 && !(in.name = saved_name(name ? name : "file", in.content_type)))
		r = ERR_NOMEM;
	free(name);
	db_finalize(st);
	struct attach_read *rd = NULL;
	if (r == 0)
		r = owner_access(ctx, PERM_ATTACHMENTS_READ, kind, owner, &db);
	if (r == 0 && !(rd = calloc(1, sizeof *rd)))
		r = ERR_NOMEM;
	if (r == 0 && (r = db_begin(db)) == 0) {
		r = svc_audit_appendf(db, ctx, "attachment.download", owner_type(kind), owner,
				      "attachment=%lld bytes=%lld", (long long)id, (long long)in.size);
		r = cases_end(db, r);
	}
	if (r < 0) {
		free(rd);
		free(in.name);
		return r;
	}
	*rd = (struct attach_read){.app = ctx->app, .id = id, .size = in.size, .chunks = chunks};
	buf_init(&rd->plain, 0);
	*info = in;
	*ret = rd;
	return 0;
}

int svc_attachment_next(struct attach_read *rd, const void **data, size_t *len)
{
	*data = NULL;
	*len = 0;
	if (rd->seq == rd->chunks)
		return rd->sent == rd->size ? 0 : ERR_INVAL;
	struct db *db;
	struct db_stmt *st;
	int r = app_db(rd->app, &db);
	if (r < 0 || (r = db_rowf(db, &st, "SELECT id, data FROM attachment_chunk WHERE attachment_id = ? AND seq = ?",
				  "ii", rd->id, rd->seq)) < 0)
		return r == ERR_NOTFOUND ? ERR_INVAL : r;
	size_t n;
	const void *sealed = db_column_blob(st, 1, &n);
	buf_clear(&rd->plain);
	r = seal_open(rd->app->keys, "attachment_chunk", "data", db_column_int64(st, 0), sealed, n, &rd->plain);
	db_finalize(st);
	if (r < 0)
		return r;
	/* The chunk names its file, its place and how many there are. */
	unsigned char head[CHUNK_HEAD];
	chunk_head(head, rd->id, rd->seq, rd->chunks);
	if (rd->plain.len < CHUNK_HEAD || sodium_memcmp(rd->plain.data, head, CHUNK_HEAD) != 0)
		return ERR_INVAL;
	size_t plen = rd->plain.len - CHUNK_HEAD;
	/* Every chunk but the last is whole; together they are the size. */
	bool last = rd->seq + 1 == rd->chunks;
	if ((!last && plen != ATTACH_CHUNK) || rd->sent + (int64_t)plen > rd->size ||
	    (last && rd->sent + (int64_t)plen != rd->size))
		return ERR_INVAL;
	rd->seq++;
	rd->sent += (int64_t)plen;
	*data = (const unsigned char *)rd->plain.data + CHUNK_HEAD;
	*len = plen;
	return 0;
}

void svc_attachment_read_free(struct attach_read *rd)
{
	if (!rd)
		return;
	if (rd->plain.data)
		sodium_memzero(rd->plain.data, rd->plain.len);
	buf_done(&rd->plain);
	free(rd);
}
