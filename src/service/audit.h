/* svc_audit: the append-only audit trail, a keyed chain.
 *
 * Each record's MAC is keyed BLAKE2b over the previous record's MAC and
 * every field of the record, under a key derived from the current seal key
 * of the key file (never stored in the database); the record keeps that
 * key's id, so records made before a key rotation still verify with the
 * older key, which stays in the file. A record changed, removed, inserted
 * or reordered breaks the chain from there on, and without the key file
 * the chain cannot be computed anew. The chain's head (last seq and MAC)
 * is also filed outside the database after each commit (audit_head.h), so
 * records deleted from the end are seen too. Services append inside their
 * own transaction, so the record and the change it describes commit
 * together or not at all.
 *
 * Records from before the chain was keyed (key_id NULL) carry a plain
 * BLAKE2b hash; the first start with a key file appends a keyed record
 * after them ("audit.chain.keyed"), which binds their head from then on. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/clock.h"
#include "service/audit_head.h"
#include "service/ctx.h"
#include "service/page.h"

/* Records the chain writes about itself. */
#define AUDIT_KEYED_ACTION "audit.chain.keyed"
#define AUDIT_GAP_ACTION "audit.chain.gap"
#define AUDIT_HEAD_STARTED_ACTION "audit.head_file.started"

/* Append one record. Call inside the caller's transaction. object_type,
 * object_id and detail may be NULL. */
int svc_audit_append(struct db *db, const struct svc_ctx *ctx, const char *action, const char *object_type,
		     const char *object_id, const char *detail);

/* svc_audit_append with a numeric object id (AUDIT_NO_OBJECT: none) and a
 * printf-style detail (fmt NULL: none). A detail longer than
 * AUDIT_DETAIL_MAX - 1 bytes is an error (ERR_TOOBIG) and nothing is
 * appended: a record is never cut short. */
#define AUDIT_NO_OBJECT INT64_C(-1)
#define AUDIT_DETAIL_MAX 512
int svc_audit_appendf(struct db *db, const struct svc_ctx *ctx, const char *action, const char *object_type,
		      int64_t object_id, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* ---- audited reads ----
 *
 * Every read of a child's record has one shape: read(db, arg, rec) runs in
 * one read view on this thread's own connection (db_read_begin), never on
 * the writer, so it does not queue behind writes; when it succeeds, the
 * record of the read (rec: action, object and detail, which read may set
 * from what it read) is appended through the writer (db_write) and is
 * durable before svc_audited_read returns, so nothing is answered before
 * its record. Inside a caller's transaction both run in that transaction.
 * Permission checks come before, in the service that calls it. */
struct audit_read {
	const char *action;
	const char *object_type;
	int64_t object_id;              /* AUDIT_NO_OBJECT: none */
	char detail[AUDIT_DETAIL_MAX]; /* "": none */
};
typedef int audit_read_fn(struct db *db, void *arg, struct audit_read *rec);
int svc_audited_read(struct db *db, const struct svc_ctx *ctx, struct audit_read *rec, audit_read_fn *read,
		     void *arg) __attribute__((warn_unused_result));
/* Set rec's detail, printf-style; ERR_TOOBIG (and no record) when it would
 * not fit whole. */
int audit_read_detail(struct audit_read *rec, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The same in a transaction of its own (logins, denials). */
int svc_audit_record(const struct svc_ctx *ctx, const char *action, const char *object_type,
		     const char *object_id, const char *detail);

/* At start, with the key ring loaded: open the head file beside the key
 * file, key a chain that is not keyed yet, and start a head file that was
 * missing (recording that it was). */
int svc_audit_open(struct app *app, char *errmsg, size_t errsize);

struct audit_verify_result {
	int64_t records;    /* records checked and whole */
	int64_t unkeyed;    /* the first this many of them were written before the chain was keyed */
	int64_t keyed_from; /* the first keyed record; 0 when none */
	bool broken;
	int64_t broken_seq; /* where, when there is one record to name; else 0 */
	char reason[4096 + 512];
	struct audit_head head;  /* the chain's last whole record */
	struct audit_head filed; /* the head file's last head */
	bool head_file_exists;
	int64_t after_filed;     /* records after the head file's head */
	int64_t head_restarted;  /* the last record saying the head file started again; 0 when none */
};

/* Walk the whole chain with the key ring, and check it against the head
 * file at head_path (NULL: the chain alone, as a copy of the database is
 * checked, whose head file has moved on) and, when given is not NULL, a
 * head filed elsewhere.
 * 0 with broken false when whole; 0 with broken and reason at the first
 * break; an error when the database cannot be read. */
int svc_audit_verify(struct db *db, const struct keyring *keys, const char *head_path,
		     const struct audit_head *given, struct audit_verify_result *ret);

struct audit_filter {
	const char *actor;       /* username */
	const char *object_type; /* with object_id, or alone */
	const char *object_id;
	const char *action;
	const char *from, *to;   /* times as stored (UTC), inclusive / exclusive */
	/* The view's page (service/page.h): limit (default 50), after (the
	 * next of the page before) and sort (-seq, newest first, the one
	 * order). The export takes every record the filters select. */
	struct page_query page;
};
#define AUDIT_PAGE_DEFAULT 50

/* A page of the audit view (audit_view.c), newest first: {"items": [...],
 * "next": cursor or null}, a page of f->page (a bad limit, sort or after
 * is ERR_INVAL with errs; the cursor is the helper's, over seq). Each
 * item: seq, at, actor (username), actor_id and actor_name (display name)
 * when a user, action, label (the action in words), object_type,
 * object_id, client, detail, count. When fold, a run of one person's reads
 * of one figure within an hour is one item: count the records, at the
 * newest, first_at and first_seq the oldest. Needs PERM_AUDIT_READ. */
int svc_audit_page(const struct svc_ctx *ctx, const struct audit_filter *f, bool fold, struct field_errors *errs,
		   json_t **ret);

/* The records f selects (f->limit aside), newest first, as CSV into out:
 * one line each, the action in words beside its id, every text field
 * guarded against spreadsheet formulas. ERR_TOOBIG beyond 100000 records.
 * The export is itself audited (audit.export). Needs PERM_AUDIT_READ. */
struct buf;
int svc_audit_export(const struct svc_ctx *ctx, const struct audit_filter *f, struct buf *out);

/* The actions the view names, each with its words, for a choice of
 * action: {"items": [{action, label}], "next": null}. Needs PERM_AUDIT_READ. */
int svc_audit_actions(const struct svc_ctx *ctx, json_t **ret);
