/* svc_audit: the append-only audit trail, a BLAKE2b hash chain.
 *
 * Each record's hash covers the previous record's hash and every field of
 * the record, so a record changed, removed or inserted breaks the chain
 * from there on. Services append inside their own transaction, so the
 * record and the change it describes commit together or not at all. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "base/clock.h"
#include "service/ctx.h"

/* Append one record. Call inside the caller's transaction. object_type,
 * object_id and detail may be NULL. */
int svc_audit_append(struct db *db, const struct svc_ctx *ctx, const char *action, const char *object_type,
		     const char *object_id, const char *detail);

/* The same in a transaction of its own (logins, denials). */
int svc_audit_record(const struct svc_ctx *ctx, const char *action, const char *object_type,
		     const char *object_id, const char *detail);

struct audit_verify_result {
	int64_t records; /* records checked */
	int64_t broken_seq; /* 0 when the chain is whole */
	char reason[256];
};

/* Walk the whole chain. 0 with broken_seq 0 when whole; 0 with broken_seq
 * and reason set at the first break. */
int svc_audit_verify(struct db *db, struct audit_verify_result *ret);

struct audit_record {
	int64_t seq;
	char at[32];
	int64_t actor_id;
	char *actor, *action, *object_type, *object_id, *client, *detail;
};

struct audit_filter {
	const char *actor;       /* username */
	const char *object_type; /* with object_id, or alone */
	const char *object_id;
	const char *action;
	const char *from, *to;   /* RFC 3339, inclusive / exclusive */
	int64_t before_seq;      /* cursor: only records before this; 0 = newest */
	int limit;               /* 1..500, default 100 */
};

/* Newest first. Needs PERM_AUDIT_READ. The caller frees with
 * audit_records_free(). */
int svc_audit_list(const struct svc_ctx *ctx, const struct audit_filter *f, struct audit_record **ret,
		   size_t *ret_n);
void audit_records_free(struct audit_record *r, size_t n);
