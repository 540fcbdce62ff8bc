/* svc_attachments: files attached to a case or to a child
 * (docs/attachments.md): police reports, forensic interview summaries,
 * photos of documents.
 *
 * A file is taken as a stream, in pieces of any size, and never held whole
 * in memory: svc_attachment_begin checks who may attach to what, each
 * piece goes through svc_attachment_write into a spool file sealed with a
 * key of its own that exists only in memory, and svc_attachment_finish
 * decides the kind of the file by its content (model/sniff.c) and stores
 * it in one transaction: its row, its name and description sealed, its
 * bytes sealed in chunks of ATTACH_CHUNK bytes (each bound to its row),
 * and the audit record. A refused or broken upload stores nothing. The
 * pack's attachments.max_bytes caps the size (ERR_TOOBIG past it).
 *
 * Reading follows the owner: a case's attachments as the case (scope,
 * restricted by record relief unless the glass is broken), a child's as
 * the child's page; PERM_ATTACHMENTS_READ and _WRITE (HART, liaisons),
 * which MDT members, who see a narrower view of a case, do not hold.
 * Every upload, list and download is audited. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/json.h"
#include "service/ctx.h"
#include "service/page.h"

#define ATTACH_CHUNK 65536
#define ATTACH_NAME_MAX 255
#define ATTACH_DESCRIPTION_MAX 1000

enum attach_owner { ATTACH_CASE, ATTACH_PERSON };

/* ---- upload ---- */

struct attach_upload;

/* Start an upload to case or child owner, as ctx's actor: the permission,
 * the owner in scope, the name (1 to ATTACH_NAME_MAX bytes of text, no
 * slash) and the description (NULL or up to ATTACH_DESCRIPTION_MAX).
 * declared is the size the client announced, or -1: past the cap it is
 * ERR_TOOBIG at once. ERR_INVAL with errs ("name", "description");
 * ERR_PERM, ERR_NOTFOUND, ERR_RESTRICTED as reading the owner. ctx (and
 * the actor it points to) must outlive the upload. */
int svc_attachment_begin(const struct svc_ctx *ctx, enum attach_owner kind, int64_t owner, const char *name,
			 const char *description, int64_t declared, struct field_errors *errs,
			 struct attach_upload **ret);
/* The next len bytes of the file. ERR_TOOBIG once past the cap (later
 * pieces are then ignored), ERR_IO when the spool cannot be written,
 * ERR_INVAL after svc_attachment_finish. */
int svc_attachment_write(struct attach_upload *u, const void *data, size_t len);
/* The end of the file: ERR_TOOBIG when it went past the cap; ERR_INVAL
 * with errs ("file") for an empty file or a kind not taken; else stored,
 * and *ret is the attachment as listed. The spool is closed on return,
 * whatever the answer. */
int svc_attachment_finish(struct attach_upload *u, struct field_errors *errs, json_t **ret);
/* The largest file taken, in bytes. */
int64_t svc_attachment_cap(const struct attach_upload *u);
/* Free an upload, finished or not (the spool is gone with it). NULL is
 * fine. */
void svc_attachment_upload_free(struct attach_upload *u);

/* ---- list ---- */

/* GET /api/v1/cases/{id}/attachments, /api/v1/persons/{id}/attachments:
 * {items, next}, newest first; each item {id, name, description,
 * content_type, kind (its name for people), size, added_by {id, username,
 * display_name}, added_at, href}. A page of q (service/page.h; sort: id
 * or added_at, default -id); a bad limit, sort or after is ERR_INVAL with
 * errs. */
int svc_attachments_list(const struct svc_ctx *ctx, enum attach_owner kind, int64_t owner,
			 const struct page_query *q, struct field_errors *errs, json_t **ret);

/* ---- download ---- */

struct attach_read;

/* What a download needs before its first byte. */
struct attach_info {
	int64_t id, size;
	char content_type[64];
	char *name; /* the file's name, the caller's to free */
};

/* Open attachment id for download, after the checks of its owner (the
 * refusals as reading the owner: ERR_PERM, ERR_NOTFOUND, ERR_RESTRICTED);
 * the download is audited here, before any byte leaves. ERR_NOTFOUND for
 * no such attachment. */
int svc_attachment_open(const struct svc_ctx *ctx, int64_t id, struct attach_info *info, struct attach_read **ret);
/* The next chunk of the file, opened: *data and *len (0 at the end) stay
 * valid until the next call. ERR_INVAL when a chunk is missing, altered or
 * not of its size. Each call reads one row on this thread's connection. */
int svc_attachment_next(struct attach_read *rd, const void **data, size_t *len);
void svc_attachment_read_free(struct attach_read *rd);
